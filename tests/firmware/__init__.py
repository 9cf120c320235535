"""Tests of the sensor firmware (C core, host replay, QEMU image), through firmware/Makefile."""
