/*
 * switch.S (host, x86_64 System V) - the task context switch.
 *
 * A task's C code runs on its own fixed C stack (task.h: the C stack is
 * never relocated; only the managed stack is). Switching saves the
 * callee-saved registers (rbx, rbp, r12-r15), MXCSR and the x87 control
 * word on the current C stack, stores the stack pointer, loads the other
 * one and restores. Everything else is caller-saved, so the C compiler has
 * already spilled what it needs around the call.
 *
 * Saved frame, from the saved stack pointer up:
 *   0: MXCSR (4 bytes), x87 control word (2 bytes)
 *   8: r15  16: r14  24: r13  32: r12  40: rbx  48: rbp  56: return address
 *
 * The sanitizers' fiber annotations are made in C around the call
 * (task/sched.c), not here.
 */
	.section .text.task_ctx_switch, "ax", @progbits
	.globl	task_ctx_switch
	.type	task_ctx_switch, @function
	/* void task_ctx_switch(void **save_sp, void *new_sp) */
task_ctx_switch:
	.cfi_startproc
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	subq	$8, %rsp
	stmxcsr	(%rsp)
	fnstcw	4(%rsp)
	movq	%rsp, (%rdi)
	movq	%rsi, %rsp
	ldmxcsr	(%rsp)
	fldcw	4(%rsp)
	addq	$8, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
	.cfi_endproc
	.size	task_ctx_switch, . - task_ctx_switch

	/* void *task_ctx_init(void *top, void (*entry)(void *), void *arg):
	 * a saved frame whose return address is task_ctx_start, with
	 * r13 = entry and r12 = arg. After its ret, rsp = top - 16 (16-byte
	 * aligned), so task_ctx_start's call sees the ABI's alignment. */
	.section .text.task_ctx_init, "ax", @progbits
	.globl	task_ctx_init
	.type	task_ctx_init, @function
task_ctx_init:
	.cfi_startproc
	andq	$-16, %rdi
	leaq	-80(%rdi), %rax
	movl	$0x1f80, 0(%rax)	/* MXCSR: all exceptions masked */
	movw	$0x037f, 4(%rax)	/* x87: extended precision, masked */
	movw	$0, 6(%rax)
	movq	$0, 8(%rax)		/* r15 */
	movq	$0, 16(%rax)		/* r14 */
	movq	%rsi, 24(%rax)		/* r13: entry */
	movq	%rdx, 32(%rax)		/* r12: arg */
	movq	$0, 40(%rax)		/* rbx */
	movq	$0, 48(%rax)		/* rbp: ends frame-pointer walks */
	leaq	task_ctx_start(%rip), %rcx
	movq	%rcx, 56(%rax)
	movq	$0, 64(%rax)
	movq	$0, 72(%rax)
	ret
	.cfi_endproc
	.size	task_ctx_init, . - task_ctx_init

	/* The first "return" of a new context: entry(arg), never returns. */
	.section .text.task_ctx_start, "ax", @progbits
	.type	task_ctx_start, @function
task_ctx_start:
	.cfi_startproc
	.cfi_undefined rip
	movq	%r12, %rdi
	xorl	%ebp, %ebp
	callq	*%r13
	ud2
	.cfi_endproc
	.size	task_ctx_start, . - task_ctx_start

	.section .note.GNU-stack, "", @progbits
