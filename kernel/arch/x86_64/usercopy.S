/* SPDX-License-Identifier: MIT */
/* Reading user memory: faults at these loads are recoverable (kernel_trap in trap.c). */

	.text
	.globl user_read_word, user_copy_bytes, user_copy_begin, user_copy_end, user_copy_fail
	.globl user_probe_word, user_probe_load, user_probe_fail

/* int user_probe_word(word_t *dst, const word_t *user_src): like user_read_word,
 * but a fault is never resolved (no pager is asked): it just fails. */
user_probe_word:
	movq %rsi, %rax
user_probe_load:
	movq (%rax), %rax	/* may fault: see kernel_trap */
	movq %rax, (%rdi)
	xorl %eax, %eax
	ret
user_probe_fail:
	movl $1, %eax
	ret

/* int user_read_word(word_t *dst, const word_t *user_src): 0 on success, 1 on fault */
user_read_word:
	movq %rsi, %rax
user_copy_begin:
	movq (%rax), %rax	/* may fault */
	movq %rax, (%rdi)
	xorl %eax, %eax
	ret

/* int user_copy_bytes(void *dst, const void *user_src, size_t len): 0 on success, 1 on fault */
user_copy_bytes:
	movq %rdx, %rcx
	rep movsb		/* may fault; resumes where it stopped */
user_copy_end:
	xorl %eax, %eax
	ret
user_copy_fail:
	movl $1, %eax
	ret
