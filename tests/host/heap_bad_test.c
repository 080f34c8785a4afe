/*
 * heap_bad_test.c - bad input to the heap is detected and reported with the
 * address, the span and what was wrong.
 *
 * Normal build: each case runs in a forked child, which must stop with
 * EXIT_PANIC after printing the report. Built with SF_HEAP_REPORT_CONTINUE
 * (the heap too): each case runs in-process with stdout captured, the call
 * must be ignored, and the heap must be intact afterwards (no block handed
 * out twice, every page back at the end).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "heap.h"
#include "host.h"
#include "platform.h"
#include "spanfence.h"
#include "tap.h"

/* Print the address the report must show, before the bad call. */
static void *announce(void *p)
{
	printf("address %p\n", p);
	fflush(stdout);
	return p;
}

/* Two fresh blocks of a size are distinct: nothing was handed out twice. */
static void check_distinct(size_t size)
{
	void *a = sf_malloc(size), *b = sf_malloc(size);

	CHECK(a != NULL && b != NULL && a != b);
	sf_free(a);
	sf_free(b);
}

static void stack_pointer(void)
{
	char buf[64];

	sf_free(announce(buf + 16));
}

static void interior_small(void)
{
	char *p = sf_malloc(100);

	sf_free(announce(p + 16));
	sf_free(p);
}

static void interior_large(void)
{
	char *p = sf_malloc(100000);

	sf_free(announce(p + PAGE_SIZE));
	sf_free(p);
}

static void double_free_small(void)
{
	void *p = sf_malloc(48);

	sf_free(p);
	sf_free(announce(p));
	check_distinct(48);
}

static void double_free_large(void)
{
	void *p = sf_malloc(100000);

	sf_free(p);
	sf_free(announce(p));
	check_distinct(100000);
}

static void double_free_huge(void)
{
	void *p = sf_malloc(1 << 20); /* too big for the large cache */

	sf_free(p);
	sf_free(announce(p));
	check_distinct(1 << 20);
}

static void *victim;

static void free_twice_on_hart1(struct hart *h, void *arg)
{
	(void)h;
	(void)arg;
	sf_free(victim);
	sf_free(announce(victim));
}

static void double_free_remote(void)
{
	victim = sf_malloc(64);
	host_harts_start(1, free_twice_on_hart1, NULL);
	heap_cache_flush(); /* hart 0 processes the one real free */
	check_distinct(64);
}

static void free_on_hart1(struct hart *h, void *arg)
{
	(void)h;
	(void)arg;
	sf_free(victim);
}

static void freed_then_remote_free(void)
{
	victim = announce(sf_malloc(64));
	sf_free(victim);
	host_harts_start(1, free_on_hart1, NULL);
	heap_cache_flush(); /* hart 0 finds the block already free */
	check_distinct(64);
}

/* Freed by another hart (on hart 0's inbox), then by hart 0 itself: the
 * local fast path frees it; hart 0 finds out when it takes its inbox. */
static void remote_then_local_free(void)
{
	victim = announce(sf_malloc(64));
	host_harts_start(1, free_on_hart1, NULL);
	sf_free(victim);
	heap_cache_flush();
	check_distinct(64);
}

static void realloc_freed(void)
{
	void *p = sf_malloc(200);

	sf_free(p);
	CHECK(sf_realloc(announce(p), 300) == NULL);
	check_distinct(200);
}

static void usable_size_freed(void)
{
	void *p = sf_malloc(5000);

	sf_free(p);
	CHECK(sf_malloc_usable_size(announce(p)) == 0);
}

static void manual_span_pointer(void)
{
	struct span *s = span_alloc_manual(1);

	sf_free(announce((void *)(s->base + 64)));
	span_free_manual(s);
}

static void free_pages_pointer(void)
{
	sf_free(announce((void *)(mheap.arena + mheap.arena_size / 2)));
}

static void free_pages_of_small(void)
{
	void *p = sf_malloc(32);

	heap_free_pages(announce(p));
	sf_free(p);
}

struct bad_case {
	const char *name;
	void (*fn)(void);
	const char *expect[3];
};

static const struct bad_case cases[] = {
    {"free of a stack address",
     stack_pointer,
     {"heap: free(", "not a heap pointer", "no span"}},
    {"free of an interior pointer (small)",
     interior_small,
     {"interior pointer (the block starts at 0x", "state small",
      "elemsize 112"}},
    {"free of an interior pointer (large)",
     interior_large,
     {"interior pointer (the block starts at 0x", "state large", "pages 13"}},
    {"double free (small)",
     double_free_small,
     {"double free (the block is already free)", "state small", "class 3"}},
    {"double free (large, cached span)",
     double_free_large,
     {"double free (the block is already free, its span kept for reuse)",
      "state large", "pages 13"}},
    {"double free (large, span back in the page heap)",
     double_free_huge,
     {"double free (its pages are free)", "state free", ""}},
    {"double free on another hart",
     double_free_remote,
     {"double free (freed before, not yet processed by its owner hart)",
      "state small", ""}},
    {"free on another hart of a freed block",
     freed_then_remote_free,
     {"double free (the block is already free)", "state small", ""}},
    {"free by the owner of a block another hart freed",
     remote_then_local_free,
     {"double free (the block is already free)", "state small", ""}},
    {"realloc of a freed block",
     realloc_freed,
     {"heap: realloc(", "use of a freed block", "state small"}},
    {"malloc_usable_size of a freed block",
     usable_size_freed,
     {"heap: malloc_usable_size(", "use of a freed block", ""}},
    {"free of a pointer into a manual span",
     manual_span_pointer,
     {"manual span", "state manual", ""}},
    {"free of a pointer into free pages",
     free_pages_pointer,
     {"double free (its pages are free)", "no span", ""}},
    {"heap_free_pages of a small block",
     free_pages_of_small,
     {"heap: heap_free_pages(", "not the start of a large or manual span", ""}},
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

static char output[8192];
static const struct bad_case *current;

/* Run the current case with stdout in a pipe; the output in `output`. */
static int run_captured(void)
{
	int fds[2], status = 0;
	size_t len = 0;
	ssize_t n;

	fflush(stdout);
	if (pipe(fds) != 0)
		return -1;
#ifdef SF_HEAP_REPORT_CONTINUE
	int saved = dup(STDOUT_FILENO);

	dup2(fds[1], STDOUT_FILENO);
	close(fds[1]);
	current->fn();
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
#else
	pid_t pid = fork();

	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], STDOUT_FILENO);
		current->fn();
		fflush(stdout);
		_exit(99); /* the heap did not stop */
	}
	close(fds[1]);
#endif
	while ((n = read(fds[0], output + len, sizeof(output) - 1 - len)) > 0)
		len += (size_t)n;
	output[len] = '\0';
	close(fds[0]);
#ifndef SF_HEAP_REPORT_CONTINUE
	if (waitpid(pid, &status, 0) != pid)
		return -1;
#endif
	return status;
}

static void one_case(void)
{
	int status = run_captured();
	char *addr = strstr(output, "address ");
	char want[64] = "(unknown)";

	for (const char *line = output; *line != '\0';) {
		int n = (int)strcspn(line, "\n");

		printf("#   %.*s\n", n, line);
		line += n + (line[n] == '\n');
	}
#ifdef SF_HEAP_REPORT_CONTINUE
	CHECK(status == 0);
	CHECK(strstr(output, "PANIC") == NULL);
#else
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EXIT_PANIC);
	CHECK(strstr(output, "PANIC") != NULL);
#endif
	if (CHECK(addr != NULL)) {
		/* the report shows the address: "heap: op(0x...)" */
		sscanf(addr, "address %60s", want + 1);
		want[0] = '(';
		strcat(want, ")");
		CHECK(strstr(output, want) != NULL);
	}
	for (int i = 0; i < 3; i++)
		if (!CHECK(strstr(output, current->expect[i]) != NULL))
			printf("#   missing \"%s\"\n", current->expect[i]);
}

#ifdef SF_HEAP_REPORT_CONTINUE
static void all_pages_back(void)
{
	struct heap_stats st;

	heap_cache_flush();
	heap_get_stats(&st);
	CHECK(st.pages_free == st.pages_total);
}
#endif

int main(void)
{
	host_init(64u << 20);
	for (size_t i = 0; i < NCASES; i++) {
		current = &cases[i];
		tap_case(cases[i].name, one_case);
	}
#ifdef SF_HEAP_REPORT_CONTINUE
	tap_case("every page back after the ignored calls", all_pages_back);
#endif
	return tap_done();
}
