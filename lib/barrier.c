/* barrier.c - names of the barriers in BARRIER_LIST, for diagnostics. */
#include "barrier.h"

#define BARRIER_ROW(name, orders, pairs) {#name, orders, pairs},
static const struct {
	const char *name;
	const char *orders;
	const char *pairs;
} barrier_table[BARRIER_COUNT] = {BARRIER_LIST(BARRIER_ROW)};
#undef BARRIER_ROW

const char *barrier_name(enum barrier_name b)
{
	return b < BARRIER_COUNT ? barrier_table[b].name : "?";
}

const char *barrier_orders(enum barrier_name b)
{
	return b < BARRIER_COUNT ? barrier_table[b].orders : "?";
}

const char *barrier_pairs(enum barrier_name b)
{
	return b < BARRIER_COUNT ? barrier_table[b].pairs : "?";
}
