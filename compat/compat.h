/* Declarations of what configure found missing in the host libc or kernel
 * headers; the replacements live beside this file. */
#ifndef W32MEM_COMPAT_H
#define W32MEM_COMPAT_H

#include <sys/types.h>
#include <sys/mman.h>

#if !HAVE_MEMFD_CREATE
int memfd_create(const char *name, unsigned int flags);
#endif
#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 0x0001U
#endif

#if !HAVE_GETTID
pid_t gettid(void);
#endif

/* Values from the kernel's uapi headers, stable ABI. */
#if !HAVE_DECL_MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#if !HAVE_DECL_MADV_FREE
#define MADV_FREE 8
#endif
#if !HAVE_DECL_MAP_HUGETLB
#define MAP_HUGETLB 0x40000
#endif
#if !HAVE_DECL_MADV_HUGEPAGE
#define MADV_HUGEPAGE 14
#endif

#endif
