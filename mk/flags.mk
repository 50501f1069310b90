# SPDX-License-Identifier: MIT
# Compiler flags for every build flavour of mnemo, in one place.

CC      ?= gcc
LD      ?= ld
OBJCOPY ?= objcopy

WARN := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes -Wmissing-prototypes
GCC_INC := $(shell $(CC) -print-file-name=include)

# Kernel: freestanding, higher half (-2 GiB), no FPU/SSE in kernel code.
KERNEL_CFLAGS := -std=gnu11 -O2 -g $(WARN) -ffreestanding -ffunction-sections -fdata-sections -nostdinc -isystem $(GCC_INC) \
	-mcmodel=kernel -mno-red-zone -mgeneral-regs-only -fno-stack-protector -fno-pic -fno-pie \
	-fno-omit-frame-pointer -fno-strict-aliasing -fno-asynchronous-unwind-tables -fno-tree-loop-distribute-patterns \
	-Iinclude -Ikernel/include -Ikernel/arch/x86_64/include
KERNEL_ASFLAGS := -g -Wa,--noexecstack -Iinclude -Ikernel/include -Ikernel/arch/x86_64/include -D__ASSEMBLY__

# The 32-bit boot loader: runs in protected mode with paging off, no libgcc.
LOADER_CFLAGS := -m32 -march=i686 -std=gnu11 -Os -g $(WARN) -ffreestanding -nostdinc \
	-isystem $(GCC_INC) -fno-pic -fno-pie -fno-stack-protector -mgeneral-regs-only \
	-fno-asynchronous-unwind-tables -Iinclude -Iloader
LOADER_ASFLAGS := -m32 -g -Wa,--noexecstack -Iinclude -Iloader -D__ASSEMBLY__

# User programs: static ELF64, one RWX segment; -mstackrealign as X.2 binaries are built;
# no red zone, because the system-call stubs are entered with `call`.
USER_CFLAGS := -std=gnu11 -O2 -g $(WARN) -ffreestanding -nostdinc -isystem $(GCC_INC) \
	-fno-pic -fno-pie -fno-stack-protector -mno-red-zone -mstackrealign -fno-asynchronous-unwind-tables -fno-tree-loop-distribute-patterns \
	-Iinclude -Iuser/lib/include
USER_ASFLAGS := -g -Wa,--noexecstack -Iinclude -Iuser/lib/include -D__ASSEMBLY__

# Host tests of kernel/core: the stub arch headers come first on the include path.
HOST_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
HOST_CFLAGS := -std=gnu11 -O1 -g $(WARN) -Wno-missing-prototypes $(HOST_SAN) -DMNEMO_HOST=1 \
	-Itests/host/arch -Iinclude -Ikernel/include -Itests/host -iquote user/lib/include
