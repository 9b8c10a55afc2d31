/* Facts about the machine and the process's address space that every part of
 * the library needs. */
#ifndef W32MEM_SYSINFO_H
#define W32MEM_SYSINFO_H

#include <stddef.h>
#include <stdint.h>

#define ALLOCATION_GRANULARITY 0x10000u
#define LOWEST_USER_ADDRESS    ((uintptr_t)0x10000)

struct address_space {
    size_t page_size;
    uintptr_t lowest;           /* lpMinimumApplicationAddress */
    uintptr_t highest;          /* lpMaximumApplicationAddress, inclusive */
};

extern struct address_space address_space_layout;
const struct address_space *address_space_init(void);

/* Every query and rounding asks for it, so the common case is one load. */
static inline const struct address_space *address_space(void)
{
    if (__builtin_expect(!__atomic_load_n(&address_space_layout.page_size, __ATOMIC_ACQUIRE), 0))
        return address_space_init();
    return &address_space_layout;
}

/* The page holding address, and the first page boundary at or above it. */
static inline uintptr_t page_down(uintptr_t address)
{
    return address & ~(uintptr_t)(address_space()->page_size - 1);
}

static inline uintptr_t page_up(uintptr_t address)
{
    return page_down(address + address_space()->page_size - 1);
}

#endif
