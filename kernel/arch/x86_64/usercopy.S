/* SPDX-License-Identifier: MIT */
/* Reading user memory: a fault at a load inside [user_copy_begin, user_copy_end) is recoverable. */

	.text
	.globl user_read_word, user_copy_bytes, user_copy_begin, user_copy_end, user_copy_fail

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
