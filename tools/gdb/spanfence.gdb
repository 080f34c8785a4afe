# spanfence.gdb - gdb commands for a spanfence guest under QEMU's gdb stub.
# tools/debug.sh loads it; by hand: gdb-multiarch -x tools/gdb/spanfence.gdb
# build/BOARD/PROGRAM.elf, then `target remote ...`.
#
# QEMU shows each CPU (hart) as a gdb thread: "Thread 1.N (CPU#N-1 ...)",
# CPU#n being mhartid n on riscv64-virt and CPUNum n on MIPS. Threads are
# not the runtime's hart indexes: index 0 is whichever hart the firmware
# booted on (see `harts`).
#
#   cpus    every CPU: gdb thread, state, PC and the function it is in
#   harts   the runtime's harts[] records: index, hartid, role, online,
#           mailbox state (valid once boot_main has filled them in)
#   gcstate the collector's state and each hart's handshake answer
#   boot    break at main and run there (every hart is online by then)

set pagination off
set confirm off
set print pretty on
set print symbol on

define cpu_line
	printf "cpu thread %d: pc %#lx  ", $_thread, $pc
	info symbol $pc
end
document cpu_line
One line for the current thread (CPU): its number, PC and function.
end

define cpus
	info threads
	thread apply all -q cpu_line
end
document cpus
Every CPU (one gdb thread per hart): state, PC and the function it is in.
end

define harts
	set $n = hart_count
	if platform.nharts > $n
		set $n = platform.nharts
	end
	printf "%u harts discovered, %u online (hart_count)\n", platform.nharts, hart_count
	printf "index  hartid  role       online  mailbox\n"
	set $i = 0
	while $i < $n
		set $h = &harts[$i]
		printf "%5u  %6lu  ", $i, $h->hartid
		if $h->role == HART_COLLECTOR
			printf "collector  "
		else
			printf "mutator    "
		end
		printf "%6u  ", $h->online
		if $h->mailbox == MAILBOX_IDLE
			printf "idle\n"
		else
			if $h->mailbox == MAILBOX_POSTED
				printf "posted\n"
			else
				printf "done\n"
			end
		end
		set $i = $i + 1
	end
end
document harts
The runtime's harts[]: index (boot order), hartid (hardware id), role, online
flag, mailbox state. Index 0 is the boot hart; the last is the collector.
end

define gcstate
	printf "gc: phase %u, mode %u, cycle %lu, driver %u, heartbeat %lu\n", gc.phase, gc.mode, gc.cycle, gc.driver, gc.heartbeat
	printf "gc: handshake epoch %#x, release %#x, in_stop %u, request %u, allocation gate %u\n", gc.hs_epoch, gc.hs_release, gc.in_stop, gc.request, gc_alloc_seq
	set $i = 0
	while $i < hart_count
		printf "gc hart %u: ack %#x, active %u, gate %u, scan_req %#lx\n", $i, gc_harts[$i].ack, gc_harts[$i].active, gc_alloc_caches[$i].gate, gc_harts[$i].scan_req
		set $i = $i + 1
	end
end
document gcstate
The collector's shared state: phase, cycle, driver, handshake epoch and
release, the allocation gate, and each hart's answer (in memory: a
simulation build's buffered stores are not in it).
end

define boot
	tbreak main
	continue
end
document boot
Run to main(): by then every hart is online and in its mailbox loop.
end
