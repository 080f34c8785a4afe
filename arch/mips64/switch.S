/*
 * switch.S (mips64, n64) - the task context switch.
 *
 * A task's C code runs on its own fixed C stack (task.h: the C stack is
 * never relocated; only the managed stack is). Switching saves the n64
 * callee-saved registers - ra, s0-s7, fp (s8), gp, and $f24-$f31 (64-bit,
 * Status.FR=1) - on the current C stack, stores the stack pointer, loads the
 * other one and restores. Tasks never change CPUs, so the per-CPU state
 * (asm/percpu.h) needs nothing here.
 *
 * Saved frame (160 bytes, 16-byte aligned), from the saved sp up:
 *   0: ra   8..64: s0..s7   72: fp   80: gp   88..144: $f24..$f31
 */
#define FRAME 160

	.set	noreorder
	.section .text.task_ctx_switch, "ax", @progbits
	.globl	task_ctx_switch
	.type	task_ctx_switch, @function
	.ent	task_ctx_switch
	/* void task_ctx_switch(void **save_sp, void *new_sp) */
task_ctx_switch:
	daddiu	$sp, $sp, -FRAME
	sd	$ra, 0($sp)
	sd	$s0, 8($sp)
	sd	$s1, 16($sp)
	sd	$s2, 24($sp)
	sd	$s3, 32($sp)
	sd	$s4, 40($sp)
	sd	$s5, 48($sp)
	sd	$s6, 56($sp)
	sd	$s7, 64($sp)
	sd	$fp, 72($sp)
	sd	$gp, 80($sp)
	sdc1	$f24, 88($sp)
	sdc1	$f25, 96($sp)
	sdc1	$f26, 104($sp)
	sdc1	$f27, 112($sp)
	sdc1	$f28, 120($sp)
	sdc1	$f29, 128($sp)
	sdc1	$f30, 136($sp)
	sdc1	$f31, 144($sp)
	sd	$sp, 0($a0)
	move	$sp, $a1
	ld	$ra, 0($sp)
	ld	$s0, 8($sp)
	ld	$s1, 16($sp)
	ld	$s2, 24($sp)
	ld	$s3, 32($sp)
	ld	$s4, 40($sp)
	ld	$s5, 48($sp)
	ld	$s6, 56($sp)
	ld	$s7, 64($sp)
	ld	$fp, 72($sp)
	ld	$gp, 80($sp)
	ldc1	$f24, 88($sp)
	ldc1	$f25, 96($sp)
	ldc1	$f26, 104($sp)
	ldc1	$f27, 112($sp)
	ldc1	$f28, 120($sp)
	ldc1	$f29, 128($sp)
	ldc1	$f30, 136($sp)
	ldc1	$f31, 144($sp)
	jr	$ra
	 daddiu	$sp, $sp, FRAME
	.end	task_ctx_switch
	.size	task_ctx_switch, . - task_ctx_switch

	/* void *task_ctx_init(void *top, void (*entry)(void *), void *arg):
	 * a zeroed saved frame with ra = task_ctx_start, s0 = entry,
	 * s1 = arg, gp = the caller's gp; returns its address. */
	.section .text.task_ctx_init, "ax", @progbits
	.globl	task_ctx_init
	.type	task_ctx_init, @function
	.ent	task_ctx_init
task_ctx_init:
	dli	$t0, -16
	and	$a0, $a0, $t0
	daddiu	$a0, $a0, -FRAME
	move	$t0, $a0
	daddiu	$t1, $a0, FRAME
1:	sd	$zero, 0($t0)
	daddiu	$t0, $t0, 8
	sltu	$t2, $t0, $t1
	bnez	$t2, 1b
	 nop
	dla	$t0, task_ctx_start
	sd	$t0, 0($a0)
	sd	$a1, 8($a0)
	sd	$a2, 16($a0)
	sd	$gp, 80($a0)
	jr	$ra
	 move	$v0, $a0
	.end	task_ctx_init
	.size	task_ctx_init, . - task_ctx_init

	/* The first "return" of a new context: entry(arg), never returns. */
	.section .text.task_ctx_start, "ax", @progbits
	.type	task_ctx_start, @function
	.ent	task_ctx_start
task_ctx_start:
	move	$a0, $s1
	move	$t9, $s0
	jalr	$t9
	 nop
	break
	.end	task_ctx_start
	.size	task_ctx_start, . - task_ctx_start
