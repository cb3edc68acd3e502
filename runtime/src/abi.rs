//! The object contract between the compiler and the runtime (probes.o).
