// Package cpu reports the CPU features the assembly kernels of nanospike's
// packages need. It exists so that device and network share one detection.
package cpu
