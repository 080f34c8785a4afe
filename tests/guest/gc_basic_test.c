/*
 * gc_basic_test.c - the collector's basics, on every board and on the host
 * (tests/host/harts.c): typed allocation, roots, collection of garbage,
 * stop-the-world and concurrent modes, verification, the pointer check,
 * tasks whose only references live in their frames while their stacks
 * grow, shrink and are scanned concurrently, and the heap limit.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "atomic.h"
#include "console.h"
#include "counter.h"
#include "gc.h"
#include "hart.h"
#include "ktap.h"
#include "spanfence.h"
#include "task.h"
#include "../heap/heap.h"

struct node {
	struct node *left, *right;
	long key, val;
};
static const struct gc_type node_type = GC_TYPE("node", struct node, 0x3);
static const struct gc_type bytes_type = GC_TYPE_NOSCAN("bytes", 8);
static const struct gc_type word_type = GC_TYPE_NOSCAN("word", 8);

/* A list of n nodes keyed 0..n-1, built front to back. */
static struct node *list_make(long n, long salt)
{
	struct node *head = NULL;

	gc_root_register(&head, "list_make head");
	for (long i = n - 1; i >= 0; i--) {
		struct node *x = gc_alloc(&node_type);
		x->key = i;
		x->val = i * 7 + salt;
		gc_store(&x->left, gc_load(&head));
		gc_store(&head, x);
	}
	gc_root_unregister(&head);
	return head;
}

static int list_check(struct node *x, long n, long salt)
{
	long i = 0;

	for (; x != NULL; x = gc_load(&x->left), i++)
		if (x->key != i || x->val != i * 7 + salt)
			return 0;
	return i == n;
}

static void garbage(long n)
{
	for (long i = 0; i < n; i++) {
		struct node *x = gc_alloc(&node_type);
		x->key = i;
		if (i % 64 == 0)
			gc_alloc_array(&bytes_type, (size_t)(i % 300));
	}
}

static void test_alloc_types(void)
{
	gc_mutator_enter();
	struct node *n = gc_alloc(&node_type);
	KTAP_EXPECT(n != NULL && ((uintptr_t)n & 15) == 0);
	KTAP_EXPECT(n->left == NULL && n->right == NULL && n->key == 0);
	size_t cnt = 0;
	KTAP_EXPECT(gc_type_of(n, &cnt) == &node_type && cnt == 1);
	struct node *arr = gc_alloc_array(&node_type, 100);
	KTAP_EXPECT(gc_type_of(&arr[57].right, &cnt) == &node_type &&
		    cnt == 100);
	int zero = 1;
	for (int i = 0; i < 100; i++)
		zero &= arr[i].left == NULL && arr[i].val == 0;
	KTAP_EXPECT(zero);
	/* Large: a span of its own. */
	struct node *big = gc_alloc_array(&node_type, 5000);
	KTAP_EXPECT(big != NULL && big[4999].key == 0);
	KTAP_EXPECT(gc_type_of(&big[4000], &cnt) == &node_type && cnt == 5000);
	char *raw = gc_alloc_array(&bytes_type, 1000);
	KTAP_EXPECT(raw != NULL && gc_type_of(raw, NULL) == NULL);
	KTAP_EXPECT(gc_alloc_array(&word_type, 0) != NULL);
	struct span *s = span_of(raw);
	KTAP_EXPECT(s != NULL && s->noscan);
	gc_mutator_leave();
}

static struct node *root_list;

static void test_collect_frees_garbage(void)
{
	struct gc_stats a, b;

	gc_mutator_enter();
	gc_root_register(&root_list, "root_list");
	gc_store(&root_list, list_make(1000, 1));
	gc_collect();
	gc_get_stats(&a);
	garbage(200000);
	gc_collect();
	gc_get_stats(&b);
	KTAP_EXPECT(list_check(gc_load(&root_list), 1000, 1));
	KTAP_EXPECT(b.cycles > a.cycles);
	KTAP_EXPECT(b.objects_freed - a.objects_freed >= 190000);
	/* What is left: the list (1000 x 48 bytes) and little else. */
	KTAP_EXPECT(b.heap_marked < (512u << 10));
	ktap_diag("%lu cycles, %lu objects freed, marked %lu KiB, in use %lu "
		  "KiB",
		  (unsigned long)b.cycles,
		  (unsigned long)(b.objects_freed - a.objects_freed),
		  (unsigned long)(b.heap_marked >> 10),
		  (unsigned long)(b.heap_inuse >> 10));
	gc_store(&root_list, NULL);
	gc_root_unregister(&root_list);
	gc_mutator_leave();
}

/*
 * The heap limit: live data that outgrows it makes gc_alloc return NULL
 * with errno ENOMEM, and only then: not early (half the limit of garbage,
 * dropped at once, is collected to make room), never losing what is
 * reachable, and allocation goes on once the live data is dropped.
 */
#define LIMIT_BYTES (4u << 20)
static void test_limit_enomem(void)
{
	size_t old = gc_set_limit(LIMIT_BYTES);
	struct gc_stats a, b;
	struct node *x;
	long n = 0;

	gc_mutator_enter();
	gc_root_register(&root_list, "limit list");
	gc_collect();
	gc_get_stats(&a);
	errno = 0;
	KTAP_EXPECT(gc_alloc_array(&bytes_type, LIMIT_BYTES / 2 / 8) != NULL);
	while ((x = gc_alloc(&node_type)) != NULL) {
		x->key = n++;
		gc_store(&x->left, gc_load(&root_list));
		gc_store(&root_list, x);
	}
	gc_get_stats(&b);
	KTAP_EXPECT(errno == ENOMEM);
	/* Live nodes take 48 bytes each: at least 3/4 of the limit was live
	 * when it refused. */
	KTAP_EXPECT((uint64_t)n * 48 >= LIMIT_BYTES / 4 * 3);
	long k = n, bad = 0;
	for (x = gc_load(&root_list); x != NULL; x = gc_load(&x->left))
		bad += x->key != --k;
	KTAP_EXPECT(bad == 0 && k == 0);
	ktap_diag("%ld live nodes (%lu KiB) under a %u KiB limit, then ENOMEM; "
		  "%lu cycles",
		  n, (unsigned long)(n * 48 >> 10), LIMIT_BYTES >> 10,
		  (unsigned long)(b.cycles - a.cycles));
	gc_store(&root_list, NULL);
	long after = 0;
	while (after < 100000 && gc_alloc(&node_type) != NULL)
		after++;
	KTAP_EXPECT(after == 100000);
	gc_root_unregister(&root_list);
	gc_mutator_leave();
	gc_set_limit(old);
}

/* Replace list elements while collecting: everything reachable stays. */
static void churn(int cycles, long n)
{
	gc_root_register(&root_list, "root_list");
	gc_store(&root_list, list_make(n, 3));
	for (int c = 0; c < cycles; c++) {
		/* Rebuild every 5th node: the old ones become garbage. */
		struct node *prev = gc_load(&root_list);
		for (long i = 1; i < n; i++) {
			struct node *x = gc_load(&prev->left);
			if (i % 5 == c % 5) {
				struct node *y = gc_alloc(&node_type);
				y->key = x->key;
				y->val = x->val;
				gc_store(&y->left, gc_load(&x->left));
				gc_store(&prev->left, y);
				x = y;
			}
			prev = x;
		}
		garbage(20000);
		if (c % 3 == 0)
			gc_collect();
		if (!KTAP_EXPECT(list_check(gc_load(&root_list), n, 3)))
			break;
	}
	gc_store(&root_list, NULL);
	gc_root_unregister(&root_list);
}

static void test_many_cycles_concurrent(void)
{
	struct gc_stats a, b;

	gc_get_stats(&a);
	gc_mutator_enter();
	churn(30, 2000);
	gc_mutator_leave();
	gc_get_stats(&b);
	KTAP_EXPECT(b.cycles - a.cycles >= 10);
	ktap_diag("%lu cycles, max pause %lu us, %lu term retries",
		  (unsigned long)(b.cycles - a.cycles),
		  (unsigned long)(b.pause_max_ns / 1000),
		  (unsigned long)(b.term_retries - a.term_retries));
}

static void test_many_cycles_stw(void)
{
	struct gc_stats a, b;

	gc_set_mode(GC_STOP_THE_WORLD);
	gc_get_stats(&a);
	gc_mutator_enter();
	churn(30, 2000);
	gc_mutator_leave();
	gc_get_stats(&b);
	gc_set_mode(GC_CONCURRENT);
	KTAP_EXPECT(b.cycles - a.cycles >= 10);
}

static void test_verify_continuous(void)
{
	struct gc_stats a, b;

	gc_set_verify(true);
	gc_set_continuous(true);
	gc_get_stats(&a);
	gc_mutator_enter();
	churn(40, 1000);
	gc_mutator_leave();
	gc_set_continuous(false);
	gc_collect();
	gc_set_verify(false);
	gc_get_stats(&b);
	KTAP_EXPECT(b.verified - a.verified >= 5);
	ktap_diag("%lu cycles verified",
		  (unsigned long)(b.verified - a.verified));
}

/* A pointer into pages no span owns is found and counted (nonfatal). */
static void *bad_root;

static void test_bad_pointer_found(void)
{
	struct gc_stats a, b;
	char *p =
	    (char *)(mheap.arena + mheap.arena_size - 3 * PAGE_SIZE + 128);
	struct span *s = span_of(p);

	KTAP_EXPECT(s == NULL || shared_load32(&s->state) == SPAN_FREE);
	gc_test_bad_pointers_nonfatal(true);
	gc_get_stats(&a);
	gc_mutator_enter();
	gc_root_register(&bad_root, "bad_root");
	shared_store_ptr((void *volatile *)&bad_root, p);
	gc_collect();
	shared_store_ptr((void *volatile *)&bad_root, NULL);
	gc_root_unregister(&bad_root);
	gc_mutator_leave();
	gc_get_stats(&b);
	gc_test_bad_pointers_nonfatal(false);
	KTAP_EXPECT(b.bad_pointers > a.bad_pointers);
}

/* ---- tasks: references only in frames ---- */

/* slot 0: list head (pointer), slot 1: depth, slot 2: scratch pointer */
static const struct frame_desc keep_desc = FRAME_DESC("keep", 3, 0x5);

struct task_result {
	int ok;
	uint64_t growths;
};

static void recurse_and_check(long depth, long n, long salt, int *ok)
{
	struct frame *f = frame_push_or_panic(&keep_desc);

	f->slot[1] = (uintptr_t)depth;
	frame_set_ptr(f, 0, list_make(n, salt + depth));
	for (int i = 0; i < 3; i++) {
		garbage(500);
		task_yield();
		f = frame_top();
	}
	if (depth > 0) {
		recurse_and_check(depth - 1, n, salt, ok);
		f = frame_top();
	}
	/* A temporary: only in slot 2, while we allocate more. */
	frame_set_ptr(f, 2, list_make(10, 99));
	garbage(300);
	f = frame_top();
	*ok &= list_check(frame_ptr(f, 2), 10, 99);
	*ok &= list_check(frame_ptr(f, 0), n, salt + depth);
	frame_pop();
}

static void *task_body(void *arg)
{
	struct task_result *r = arg;
	int ok = 1;

	for (int round = 0; round < 4; round++)
		recurse_and_check(80, 20, round * 100, &ok);
	r->ok = ok;
	r->growths = task_current()->stats.growths;
	return NULL;
}

static void test_tasks_frames(void)
{
	enum { NT = 4 };
	struct task_result res[NT];
	struct task *ts[NT];
	struct gc_stats a, b;
	unsigned m = task_mutator_count();
	int ok = 1, rounds = 0;
	uint64_t growths = 0;

	gc_set_continuous(true);
	gc_set_verify(true);
	gc_get_stats(&a);
	/* Again until enough cycles overlapped the tasks. */
	do {
		memset(res, 0, sizeof(res));
		for (int i = 0; i < NT; i++) {
			ts[i] = task_spawn(task_mutator_hart((unsigned)i % m),
					   "keeper", task_body, &res[i], NULL);
			KTAP_EXPECT(ts[i] != NULL);
		}
		sched_run_all();
		for (int i = 0; i < NT; i++) {
			task_join(ts[i]);
			ok &= res[i].ok;
			growths += res[i].growths;
		}
		gc_get_stats(&b);
	} while (++rounds < 8 && b.cycles - a.cycles < 3);
	gc_set_continuous(false);
	gc_collect();
	gc_set_verify(false);
	gc_get_stats(&b);
	KTAP_EXPECT(ok);
	KTAP_EXPECT(b.cycles - a.cycles >= 3);
	ktap_diag(
	    "%d rounds, %lu cycles, %lu verified, stacks scanned %lu by "
	    "the collector, %lu by their task; %lu growths; max pause "
	    "%lu us",
	    rounds, (unsigned long)(b.cycles - a.cycles),
	    (unsigned long)(b.verified - a.verified),
	    (unsigned long)(b.stacks_scanned - a.stacks_scanned),
	    (unsigned long)(b.stacks_self_scanned - a.stacks_self_scanned),
	    (unsigned long)growths, (unsigned long)(b.pause_max_ns / 1000));
}

static const struct ktap_case cases[] = {
    KTAP_CASE(test_alloc_types),
    KTAP_CASE(test_collect_frees_garbage),
    KTAP_CASE(test_many_cycles_concurrent),
    KTAP_CASE(test_many_cycles_stw),
    KTAP_CASE(test_verify_continuous),
    KTAP_CASE(test_bad_pointer_found),
    KTAP_CASE(test_tasks_frames),
    KTAP_CASE(test_limit_enomem),
};

int main(void)
{
	gc_init(NULL);
	int r = ktap_run("gc-basic", cases, KTAP_COUNT(cases));
	gc_shutdown();
	return r;
}
