/* SPDX-License-Identifier: MIT */
/* Copying from user memory: a fault inside [user_copy_begin, user_copy_end) is recoverable. */

/* int user_copy_bytes(void *dst, const void *user_src, size_t len): 0 on success, 1 on fault */
	.text
	.globl user_copy_bytes, user_copy_begin, user_copy_end, user_copy_fail
user_copy_bytes:
	movq %rdx, %rcx
user_copy_begin:
	rep movsb
user_copy_end:
	xorl %eax, %eax
	ret
user_copy_fail:
	movl $1, %eax
	ret
