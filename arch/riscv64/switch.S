/*
 * switch.S (riscv64, LP64D) - the task context switch.
 *
 * A task's C code runs on its own fixed C stack (task.h: the C stack is
 * never relocated; only the managed stack is). Switching saves the
 * callee-saved registers - ra, s0-s11, fs0-fs11 - on the current C stack,
 * stores the stack pointer, loads the other one and restores. gp is global
 * and tp is the hart's record (tasks never change harts), so neither moves.
 *
 * Saved frame (208 bytes, 16-byte aligned), from the saved sp up:
 *   0: ra   8..96: s0..s11   104..192: fs0..fs11
 */
#define FRAME 208

	.section .text.task_ctx_switch, "ax"
	.globl	task_ctx_switch
	.type	task_ctx_switch, @function
	.balign	4
	/* void task_ctx_switch(void **save_sp, void *new_sp) */
task_ctx_switch:
	addi	sp, sp, -FRAME
	sd	ra, 0(sp)
	sd	s0, 8(sp)
	sd	s1, 16(sp)
	sd	s2, 24(sp)
	sd	s3, 32(sp)
	sd	s4, 40(sp)
	sd	s5, 48(sp)
	sd	s6, 56(sp)
	sd	s7, 64(sp)
	sd	s8, 72(sp)
	sd	s9, 80(sp)
	sd	s10, 88(sp)
	sd	s11, 96(sp)
	fsd	fs0, 104(sp)
	fsd	fs1, 112(sp)
	fsd	fs2, 120(sp)
	fsd	fs3, 128(sp)
	fsd	fs4, 136(sp)
	fsd	fs5, 144(sp)
	fsd	fs6, 152(sp)
	fsd	fs7, 160(sp)
	fsd	fs8, 168(sp)
	fsd	fs9, 176(sp)
	fsd	fs10, 184(sp)
	fsd	fs11, 192(sp)
	sd	sp, 0(a0)
	mv	sp, a1
	ld	ra, 0(sp)
	ld	s0, 8(sp)
	ld	s1, 16(sp)
	ld	s2, 24(sp)
	ld	s3, 32(sp)
	ld	s4, 40(sp)
	ld	s5, 48(sp)
	ld	s6, 56(sp)
	ld	s7, 64(sp)
	ld	s8, 72(sp)
	ld	s9, 80(sp)
	ld	s10, 88(sp)
	ld	s11, 96(sp)
	fld	fs0, 104(sp)
	fld	fs1, 112(sp)
	fld	fs2, 120(sp)
	fld	fs3, 128(sp)
	fld	fs4, 136(sp)
	fld	fs5, 144(sp)
	fld	fs6, 152(sp)
	fld	fs7, 160(sp)
	fld	fs8, 168(sp)
	fld	fs9, 176(sp)
	fld	fs10, 184(sp)
	fld	fs11, 192(sp)
	addi	sp, sp, FRAME
	ret
	.size	task_ctx_switch, . - task_ctx_switch

	/* void *task_ctx_init(void *top, void (*entry)(void *), void *arg):
	 * a zeroed saved frame with ra = task_ctx_start, s0 = entry, s1 = arg;
	 * returns its address (the stack pointer to switch to). */
	.section .text.task_ctx_init, "ax"
	.globl	task_ctx_init
	.type	task_ctx_init, @function
	.balign	4
task_ctx_init:
	andi	a0, a0, -16
	addi	a0, a0, -FRAME
	mv	t0, a0
	addi	t1, a0, FRAME
1:	sd	zero, 0(t0)
	addi	t0, t0, 8
	bltu	t0, t1, 1b
	la	t0, task_ctx_start
	sd	t0, 0(a0)
	sd	a1, 8(a0)
	sd	a2, 16(a0)
	ret
	.size	task_ctx_init, . - task_ctx_init

	/* The first "return" of a new context: entry(arg), never returns. */
	.section .text.task_ctx_start, "ax"
	.type	task_ctx_start, @function
	.balign	4
task_ctx_start:
	mv	a0, s1
	jalr	s0
	unimp
	.size	task_ctx_start, . - task_ctx_start
