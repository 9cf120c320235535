/* The few board services the QEMU port needs. */
#ifndef BOARD_H
#define BOARD_H

void board_puts(const char *s);
void board_exit(int code);

#endif
