"""Tests of ras.link: serial and socket links, ports, host-side step detection."""
