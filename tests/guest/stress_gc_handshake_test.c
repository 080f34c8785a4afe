/*
 * stress_gc_handshake_test.c - a hart that answers a handshake must see
 * what the driver did before it (GC_HANDSHAKE: the driver's release
 * before the handshake word, the hart's acquire after loading it, in
 * answer(), gc/handshake.c).
 *
 * What the acquire orders that matters here: in a STOP with self-scan
 * (stop-the-world mode: every running task scans its own frames before it
 * acknowledges), the task's loads of its objects' mark words must come
 * after its load of the new handshake word. The collector hart swept the
 * task's spans just before (each sweep clears the span's mark bits, then
 * the next cycle begins with that STOP): a mark word loaded early still
 * shows last cycle's bit, shade() takes the object for marked already and
 * skips it, and an object held only in a frame slot is never marked.
 *
 * The workload: one task holds NOBJ objects, each in its own span (one
 * per size class), only in the pointer slots of its frame, and polls
 * (gc_safepoint) about every POLL_US microseconds, making no other shared
 * access, while the collector runs back-to-back stop-the-world cycles
 * with verification. So between two polls the collector releases the
 * world, sweeps every span and stops the world again; some of the task's
 * last accesses before it sees the new word can come before that sweep.
 * Every cycle is verified (gc/verify.c: a reachable unmarked object
 * panics: that is how the mutant fails); the task also checks its
 * objects' contents at every poll, and at the end, after a full cycle,
 * that each is still allocated. The objects are few and without pointers (no
 * push on a work buffer, whose lock would order the loads): the scan of each
 * costs 4 of the 32 loads a removed acquire's window lets go early
 * (measured on riscv64-virt: with 8 objects the mutant failed at cycle 4
 * to 337 of 10 seeds, with 4 at cycle 3 to 150 of 20).
 *
 * In a barrier-mutant simulation build (SF_MUTANT=BARRIER_GC_HANDSHAKE)
 * the loads after the removed acquire may be performed early
 * (sim/storebuf.c, "REMOVED ACQUIRE BARRIERS": they see memory as of one
 * of the hart's last 8 accesses, never before its last barrier - here the
 * GC_WORLD acquire of the previous stop, before the sweep). With the
 * barrier they never are, and the test passes.
 *
 * Why not a concurrent-mode case (a stale gc_barrier_on after the ACK
 * handshake): answer() passes GC_ACK's release before it returns, and the
 * simulator closes a removed acquire's window at any barrier, so no load
 * of the barrier flag can be early there. (On MIPS, sync, that holds on
 * the hardware too; RISC-V's fence rw,w orders no later load.)
 */
#include <stdint.h>

#include "counter.h"
#include "gc.h"
#include "hart.h"
#include "ktap.h"
#include "task.h"

/* Few: in a mutant the early window is 32 loads, 4 per object scanned. */
#define NOBJ	4
#define SECONDS 6
#define POLL_US 300

/* A held object: a magic word, its own address, then zeros. */
#define OBJ_MAGIC 0x68736f626a656374ull
static const struct gc_type obj_types[NOBJ] = {
    GC_TYPE_NOSCAN("hs.obj48", 48),
    GC_TYPE_NOSCAN("hs.obj240", 240),
    GC_TYPE_NOSCAN("hs.obj1008", 1008),
    GC_TYPE_NOSCAN("hs.obj4080", 4080),
};

static const struct frame_desc hold_desc =
    FRAME_DESC("hs.hold", NOBJ, (1ull << NOBJ) - 1);

/* Registered roots: the objects, once the holder is done. */
static void *kept[NOBJ];

struct result {
	const uint64_t *objs[NOBJ]; /* the objects, for the final check */
	uint64_t polls, bad, freed;
};

static int obj_ok(const uint64_t *o)
{
	return o != NULL && o[0] == OBJ_MAGIC && o[1] == (uintptr_t)o;
}

static void *holder(void *arg)
{
	struct result *r = arg;
	struct frame *f = frame_push_or_panic(&hold_desc);

	for (int i = 0; i < NOBJ; i++) {
		uint64_t *o = gc_alloc(&obj_types[i]);
		if (o != NULL) { /* else obj_ok fails: the test does */
			o[0] = OBJ_MAGIC;
			o[1] = (uintptr_t)o;
		}
		/* gc_alloc may relocate the stack: fetch the frame again. */
		f = frame_top();
		f->slot[i] = (uintptr_t)o;
	}
	uint64_t hz = counter_time_hz();
	uint64_t until = counter_time() + SECONDS * hz;
	uint64_t gap = POLL_US * hz / 1000000 + 1;
	while (counter_time() < until) {
		/* No shared access between two polls but this wait. */
		for (uint64_t t = counter_time() + gap; counter_time() < t;)
			;
		gc_safepoint();
		r->polls++;
		f = frame_top();
		for (int i = 0; i < NOBJ; i++)
			r->bad += !obj_ok((const uint64_t *)f->slot[i]);
	}
	/* Hand the objects to the roots for the check after the run. */
	f = frame_top();
	for (int i = 0; i < NOBJ; i++) {
		r->objs[i] = (const uint64_t *)f->slot[i];
		gc_store(&kept[i], (void *)f->slot[i]);
	}
	frame_pop();
	return NULL;
}

static void test_self_scan_sees_swept_marks(void)
{
	struct result r = {0};
	struct gc_stats a, b;

	for (int i = 0; i < NOBJ; i++)
		gc_root_register(&kept[i], "hs.kept");
	gc_set_mode(GC_STOP_THE_WORLD);
	gc_set_verify(true);
	gc_get_stats(&a);
	gc_set_continuous(true);
	struct task *t =
	    task_spawn(task_mutator_hart(0), "hs.holder", holder, &r, NULL);
	if (!KTAP_EXPECT(t != NULL))
		return;
	sched_run_all();
	task_join(t);
	gc_set_continuous(false);
	gc_collect(); /* a cycle and its sweep: then no hart sweeps */
	gc_get_stats(&b);
	gc_set_verify(false);
	gc_set_mode(GC_CONCURRENT);
	for (int i = 0; i < NOBJ; i++) {
		r.bad += !obj_ok(r.objs[i]);
		r.freed += !gc_test_allocated(r.objs[i]);
	}
	ktap_diag(
	    "%lu polls, %lu stop-the-world cycles (%lu verified), %lu "
	    "self-scans",
	    (unsigned long)r.polls, (unsigned long)(b.cycles - a.cycles),
	    (unsigned long)(b.verified - a.verified),
	    (unsigned long)(b.stacks_self_scanned - a.stacks_self_scanned));
	for (int i = 0; i < NOBJ; i++)
		gc_root_unregister(&kept[i]);
	KTAP_EXPECT(r.polls > 0);
	KTAP_EXPECT(r.bad == 0);
	KTAP_EXPECT(r.freed == 0);
	KTAP_EXPECT(b.cycles - a.cycles >= 2);
	KTAP_EXPECT(b.verified > a.verified);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(test_self_scan_sees_swept_marks),
};

int main(void)
{
	gc_init(NULL);
	int r = ktap_run("stress-gc-handshake", cases, KTAP_COUNT(cases));
	gc_shutdown();
	return r;
}
