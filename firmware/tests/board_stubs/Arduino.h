// Host stand-in for the Arduino / nRF52 API the XIAO port uses: only to check that the port
// compiles against the real core (make board-check). Not a simulation of the board.
#pragma once
#include <math.h>
#include <stdint.h>
#include <string.h>

enum PinName { P0_14 = 14, P0_17 = 17, P0_31 = 31 };
enum { LOW = 0, HIGH = 1, INPUT = 0, OUTPUT = 1 };
inline void pinMode(PinName, int) {}
inline void digitalWrite(PinName, int) {}
inline int digitalRead(PinName) { return HIGH; }
inline uint32_t analogRead(PinName) { return 600; }
inline unsigned long micros() { return 0; }

struct SerialStub {
    void begin(unsigned long) {}
    explicit operator bool() const { return true; }
    int available() { return 0; }
    int read() { return -1; }
    int availableForWrite() { return 0; }
    size_t write(const uint8_t *, size_t n) { return n; }
};
extern SerialStub Serial;

struct NrfClock {
    volatile uint32_t EVENTS_HFCLKSTARTED, TASKS_HFCLKSTART;
};
struct NrfFicr {
    uint32_t DEVICEID[2];
};
extern NrfClock *NRF_CLOCK;
extern NrfFicr *NRF_FICR;
