#!/usr/bin/awk -f
# trace2svg.awk - plot a gctrace log (lines "gc N @T.TTTs mode: mark X ms,
# stw Y us (stop Z us), max pause P us; heap A->B KiB, marked M KiB, goal G
# KiB, in use U KiB; H harts") as an SVG: heap sizes over time on top,
# mutator pauses and stop-the-world sections per cycle below (log scale).
# Plain awk (Debian's mawk or gawk), no plotting package needed:
#
#   awk -f gc/trace2svg.awk build/logs/riscv64-virt/gc_bench-2h.trace >plot.svg
#
# Other lines are ignored; a title can be given with -v title="...".

function num(s) { gsub(/[^0-9.]/, "", s); return s + 0 }

/^gc [0-9]+ @/ {
	n++
	t[n] = num($3)
	for (i = 1; i <= NF; i++) {
		if ($i == "heap") { split($(i + 1), ab, "->"); before[n] = num(ab[1]) / 1024; after[n] = num(ab[2]) / 1024 }
		if ($i == "marked") marked[n] = num($(i + 1)) / 1024
		if ($i == "goal") goal[n] = num($(i + 1)) / 1024
		if ($i == "pause") pause[n] = num($(i + 1))
		if ($i == "stw") stw[n] = num($(i + 1))
		if ($i == "mark") markms[n] = num($(i + 1))
	}
	mode[n] = $4; sub(/:$/, "", mode[n])
}

function X(v) { return 70 + (v - tmin) / (tmax - tmin) * 820 }
function YH(v) { return 40 + 220 - v / hmax * 220 }
function YP(v) { if (v < 1) v = 1; return 310 + 180 - log(v) / log(10) / pdec * 180 }

END {
	if (n == 0) { print "trace2svg: no gctrace lines" > "/dev/stderr"; exit 1 }
	tmin = t[1]; tmax = t[n]; if (tmax <= tmin) tmax = tmin + 1
	hmax = 1
	for (i = 1; i <= n; i++) {
		if (before[i] > hmax) hmax = before[i]
		if (after[i] > hmax) hmax = after[i]
		if (goal[i] > hmax) hmax = goal[i]
		if (pause[i] > pmax) pmax = pause[i]
		if (stw[i] > pmax) pmax = stw[i]
	}
	hmax *= 1.1
	pdec = int(log(pmax < 10 ? 10 : pmax) / log(10)) + 1
	if (title == "") title = "gctrace: " n " cycles"
	print "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"920\" height=\"540\" font-family=\"sans-serif\" font-size=\"11\">"
	print "<rect width=\"920\" height=\"540\" fill=\"white\"/>"
	printf "<text x=\"460\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">%s</text>\n", title
	# axes
	print "<line x1=\"70\" y1=\"260\" x2=\"890\" y2=\"260\" stroke=\"black\"/><line x1=\"70\" y1=\"40\" x2=\"70\" y2=\"260\" stroke=\"black\"/>"
	print "<line x1=\"70\" y1=\"490\" x2=\"890\" y2=\"490\" stroke=\"black\"/><line x1=\"70\" y1=\"310\" x2=\"70\" y2=\"490\" stroke=\"black\"/>"
	for (k = 0; k <= 4; k++) {
		v = hmax / 4 * k
		printf "<text x=\"64\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>\n", YH(v) + 4, v
		printf "<line x1=\"70\" y1=\"%.1f\" x2=\"890\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", YH(v), YH(v)
	}
	print "<text x=\"16\" y=\"150\" transform=\"rotate(-90 16 150)\" text-anchor=\"middle\">heap (MiB)</text>"
	for (k = 0; k <= pdec; k++) {
		v = 10 ^ k
		printf "<text x=\"64\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", YP(v) + 4, (v >= 1000 ? v / 1000 " ms" : v " us")
		printf "<line x1=\"70\" y1=\"%.1f\" x2=\"890\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", YP(v), YP(v)
	}
	print "<text x=\"16\" y=\"400\" transform=\"rotate(-90 16 400)\" text-anchor=\"middle\">pause (log)</text>"
	for (k = 0; k <= 5; k++) {
		v = tmin + (tmax - tmin) / 5 * k
		printf "<text x=\"%.1f\" y=\"506\" text-anchor=\"middle\">%.2f s</text>\n", X(v), v
	}
	# heap: before (at mark start) -> after (mark end), goal, marked
	line("before", before, "#1f77b4"); line("after", after, "#d62728")
	line("goal", goal, "#2ca02c"); line("marked", marked, "#9467bd")
	# pauses
	for (i = 1; i <= n; i++) {
		c = mode[i] == "stw" ? "#ff7f0e" : mode[i] == "takeover" ? "#8c564b" : "#1f77b4"
		printf "<line x1=\"%.1f\" y1=\"490\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\"/>\n", X(t[i]), X(t[i]), YP(pause[i]), c
		printf "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\" fill=\"black\"/>\n", X(t[i]), YP(stw[i])
	}
	legend(100, 56, "#1f77b4", "heap at mark start"); legend(240, 56, "#d62728", "at mark end")
	legend(350, 56, "#2ca02c", "goal"); legend(420, 56, "#9467bd", "marked")
	legend(100, 326, "#1f77b4", "longest mutator pause, concurrent cycle")
	legend(360, 326, "#ff7f0e", "stop-the-world cycle"); legend(520, 326, "#8c564b", "takeover")
	print "<circle cx=\"622\" cy=\"322\" r=\"2\" fill=\"black\"/><text x=\"628\" y=\"326\">stop-the-world section</text>"
	print "</svg>"
}

function line(name, a, color,   i, pts) {
	pts = ""
	for (i = 1; i <= n; i++) pts = pts sprintf("%.1f,%.1f ", X(t[i]), YH(a[i]))
	printf "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"%s\"/>\n", color, pts
}

function legend(x, y, color, text) {
	printf "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"3\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">%s</text>\n", x, y - 4, color, x + 14, y, text
}
