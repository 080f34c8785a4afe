/*
 * span_publish.pml - span publication against the collector's lookup, with a
 * store buffer on the allocating hart. Checked by tools/model.sh (make model).
 *
 * The bug (golang/go#35541, the seed of this project). Copying a stack:
 *   1. allocate a span for the new stack: write the span's state (in use)
 *      and the page->span table entries for its pages;
 *   2. adjust the pointers that pointed into the old stack so they point
 *      into the new one; one of them (the goroutine's defer pointer, here
 *      "the defer pointer") lives where the concurrent collector reads it.
 * The collector, on another hart, loads the defer pointer, looks up the span
 * of the address it holds (span_of: the page->span table) and checks that
 * the span is in use; if not, it stops with "pointer to unallocated span".
 * On MIPS and RISC-V the three stores of the allocating hart can become
 * visible to the collector in any order, so the collector can see the new
 * pointer while the table entry still names no span or the old, freed span
 * that owned the page before. The fix: a publication barrier at the end of
 * span allocation (BARRIER_SPAN_PUBLISH in include/barrier.h), before any
 * pointer into the span is stored.
 *
 * The model.
 *   memory     mem[] holds the four shared words: the page's table entry,
 *              the states of the old and the new span, the defer pointer.
 *              Initially the table entry names either no span or the old
 *              span, which is free (both happen in a real heap: a page never
 *              used, or a page whose span was freed and not yet reused).
 *   mutator    the allocating hart: its stores go into its store buffer.
 *   drain      the store buffer reaching memory: any pending store, in any
 *              order ("FIFO-less": RVWMO and MIPS order stores to different
 *              addresses only with a barrier). One entry per address: a
 *              newer store to an address replaces the older one, which keeps
 *              the order of stores to one address (coherence).
 *   barrier    with -DBARRIER the mutator waits, between the span stores and
 *              the pointer store, until its buffer is empty: every earlier
 *              store is in memory before any later one enters the buffer,
 *              which is what fence w,w / sync guarantee.
 *   collector  loads the defer pointer, then (if it points into the page)
 *              the table entry, then the state of the span the entry names.
 *              Its loads are in program order and read memory only. That is
 *              not an assumption about the ISA's load ordering in general:
 *              each load's address depends on the previous load's value
 *              (span_of(p) indexes the table with p; the state is a field of
 *              the span the table returned), and RISC-V (RVWMO rule 9,
 *              address dependencies) and MIPS keep address-dependent loads in
 *              order. So the collector needs no acquire barrier here, and the
 *              model has none to remove.
 *
 * The property: the collector never sees a pointer into the page while the
 * page's span is missing or not in use (assert below). Without -DBARRIER
 * spin finds the trace; with it the model verifies. The printf lines make
 * `spin -t` print the counterexample as a story (tools/model.sh shows it).
 * -DVACUITY adds an assert(false) after the check, so that a run with
 * -DBARRIER -DVACUITY failing proves the verified model is not vacuously
 * safe: the collector does get to check a visible pointer.
 */

/* table entry values: which span owns the page */
#define NONE 0
#define OLD 1
#define NEW 2

/* span states */
#define FREE 0
#define INUSE 1

/* defer pointer values */
#define NIL 0
#define INTO_PAGE 1

/* the shared words */
#define A_SPANOF 0    /* spans[page]: the page->span table entry */
#define A_STATE_OLD 1 /* the old (freed) span's state */
#define A_STATE_NEW 2 /* the new span's state */
#define A_DEFER 3     /* the defer pointer the stack copy adjusts */
#define NADDR 4

byte mem[NADDR];

/* the allocating hart's store buffer: pending flag and value per address
 * (the old span's state is never stored: it has no entry in practice) */
bool pend[NADDR];
byte pval[NADDR];

/* A store by the mutator: into its buffer (replacing an older entry). */
inline buffered_store(a, v)
{
	atomic {
		pend[a] = true;
		pval[a] = v
	}
}

/* fence w,w: no later store until every earlier one is in memory. */
inline publication_barrier()
{
	(!pend[A_SPANOF] && !pend[A_STATE_OLD] && !pend[A_STATE_NEW] &&
	 !pend[A_DEFER])
}

bool collector_done;

proctype mutator()
{
	/* allocSpan: the new span is in use, then the page names it */
	buffered_store(A_STATE_NEW, INUSE);
	printf("MSC: mutator: new span state = in use (buffered)\n");
	buffered_store(A_SPANOF, NEW);
	printf("MSC: mutator: spans[page] = new span (buffered)\n");
#ifdef BARRIER
	/* BARRIER_SPAN_PUBLISH: pairs with the collector's address-dependent
	 * loads of the table entry and the state after the pointer */
	publication_barrier();
	printf("MSC: mutator: publication barrier (buffer drained)\n");
#endif
	/* copystack: adjust the defer pointer into the new stack */
	buffered_store(A_DEFER, INTO_PAGE);
	printf("MSC: mutator: defer pointer = into the page (buffered)\n")
}

/* The store buffer reaching memory, one pending store at a time. */
proctype drain()
{
end:
	do
	:: atomic {
		pend[A_SPANOF] -> mem[A_SPANOF] = pval[A_SPANOF];
		pend[A_SPANOF] = false;
		printf("MSC: memory: spans[page] = new span\n")
	   }
	:: atomic {
		pend[A_STATE_NEW] -> mem[A_STATE_NEW] = pval[A_STATE_NEW];
		pend[A_STATE_NEW] = false;
		printf("MSC: memory: new span state = in use\n")
	   }
	:: atomic {
		pend[A_DEFER] -> mem[A_DEFER] = pval[A_DEFER];
		pend[A_DEFER] = false;
		printf("MSC: memory: defer pointer = into the page\n")
	   }
	od
}

proctype collector()
{
	byte p, s, st;

	/* scan the goroutine: load its defer pointer */
	p = mem[A_DEFER];
	if
	:: p == NIL ->
		printf("MSC: collector: defer pointer is nil, nothing to check\n")
	:: else ->
		/* span_of(p): the table entry of p's page */
		s = mem[A_SPANOF];
		if
		:: s == NONE -> st = FREE
		:: s == OLD -> st = mem[A_STATE_OLD]
		:: s == NEW -> st = mem[A_STATE_NEW]
		fi;
		printf("MSC: collector: pointer into the page, span_of = %d (0 none, 1 old, 2 new), state = %d (0 free, 1 in use)\n",
		       s, st);
		if
		:: s == NONE || st != INUSE ->
			printf("MSC: collector: pointer to unallocated span\n")
		:: else -> skip
		fi;
		assert(s != NONE && st == INUSE)
#ifdef VACUITY
		/* tools/model.sh: this must fail with -DBARRIER too, proving the
		 * collector does reach the check with the pointer visible */
		;assert(false)
#endif
	fi;
	collector_done = true
}

/*
 * The heap before the allocation: the page is unused or its span is freed
 * (state FREE is 0, so both spans start free). Then the three harts' parts.
 */
init
{
	atomic {
		if
		:: mem[A_SPANOF] = NONE;
		   printf("MSC: before: the page belongs to no span\n")
		:: mem[A_SPANOF] = OLD;
		   printf("MSC: before: the page belongs to the old span, which is free\n")
		fi;
		run mutator();
		run drain();
		run collector()
	}
}
