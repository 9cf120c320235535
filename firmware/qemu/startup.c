/* Minimal Cortex-M4F start-up for QEMU mps2-an386: vectors, .data/.bss, FPU on, semihosting. */
#include <stdint.h>

#include "board.h"

extern uint32_t _stack_top, _data_load, _data_start, _data_end, _bss_start, _bss_end;
extern int main(void);
void reset_handler(void);
static void fault_handler(void);

#define CPACR (*(volatile uint32_t *)0xE000ED88u)

#define V(f) ((uintptr_t)(f))
__attribute__((section(".vectors"), used)) static const uintptr_t vectors[16] = {
    V(&_stack_top),    V(reset_handler), V(fault_handler), V(fault_handler),
    V(fault_handler),  V(fault_handler), V(fault_handler), 0, 0, 0, 0,
    V(fault_handler),  V(fault_handler), 0, V(fault_handler), V(fault_handler),
};

/* ARM semihosting call (bkpt 0xAB): r0 = operation, r1 = argument. */
static int semihost(int op, const void *arg)
{
    register int r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void board_puts(const char *s)
{
    semihost(0x04, s); /* SYS_WRITE0 */
}

void board_exit(int code)
{
    /* SYS_EXIT with ADP_Stopped_ApplicationExit (status 0) or RunTimeErrorUnknown (1) */
    semihost(0x18, (const void *)(code == 0 ? 0x20026u : 0x20023u));
    for (;;) {
    }
}

static void fault_handler(void)
{
    board_puts("RAS-QEMU fault\n");
    board_exit(1);
}

void reset_handler(void)
{
    uint32_t *src = &_data_load, *dst = &_data_start;
    while (dst < &_data_end) {
        *dst++ = *src++;
    }
    for (dst = &_bss_start; dst < &_bss_end; dst++) {
        *dst = 0;
    }
    CPACR |= 0xFu << 20; /* CP10, CP11 full access: the FPU */
    __asm__ volatile("dsb\n\tisb" ::: "memory");
    board_exit(main());
}
