// LD_PRELOAD shim for tests and benchmarks: slows down or fails rename(2), or slows down large
// reads, in the processes it is loaded into — so that kills land inside the commit window,
// failures hit its last steps, and one rank can be made slower than the others.
//   RANKFLOW_SHIM_RENAME_DELAY_MS=N     sleep N ms before every rename
//   RANKFLOW_SHIM_RENAME_FAIL=SUBSTR    renames whose target contains SUBSTR fail with EIO
//   RANKFLOW_SHIM_READ_DELAY_US=N       sleep N µs before every pread(2) of 64 KiB or more (the
//                                       input readers' 1 MiB reads; MPI's small ones are spared)
//   RANKFLOW_SHIM_RANK=R                only in MPI rank R (OMPI_COMM_WORLD_RANK); default: all
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

static int ShimApplies(void) {
  const char* want = getenv("RANKFLOW_SHIM_RANK");
  if (want == NULL || *want == '\0') return 1;
  const char* rank = getenv("OMPI_COMM_WORLD_RANK");
  return rank != NULL && strcmp(rank, want) == 0;
}

static void SleepMicros(long us) {
  struct timespec ts = {us / 1000000, (us % 1000000) * 1000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

static void MaybeSlowRead(size_t n) {
  const char* delay = getenv("RANKFLOW_SHIM_READ_DELAY_US");
  if (delay != NULL && n >= (64u << 10) && atol(delay) > 0 && ShimApplies()) {
    SleepMicros(atol(delay));
  }
}

ssize_t pread(int fd, void* buf, size_t n, off_t offset) {
  static ssize_t (*real_pread)(int, void*, size_t, off_t) = NULL;
  if (real_pread == NULL)
    real_pread = (ssize_t(*)(int, void*, size_t, off_t))dlsym(RTLD_NEXT, "pread");
  MaybeSlowRead(n);
  return real_pread(fd, buf, n, offset);
}

ssize_t pread64(int fd, void* buf, size_t n, off_t offset) {
  static ssize_t (*real_pread64)(int, void*, size_t, off_t) = NULL;
  if (real_pread64 == NULL) {
    real_pread64 = (ssize_t(*)(int, void*, size_t, off_t))dlsym(RTLD_NEXT, "pread64");
  }
  MaybeSlowRead(n);
  return real_pread64(fd, buf, n, offset);
}

int rename(const char* from, const char* to) {
  static int (*real_rename)(const char*, const char*) = NULL;
  if (real_rename == NULL)
    real_rename = (int (*)(const char*, const char*))dlsym(RTLD_NEXT, "rename");
  if (ShimApplies()) {
    const char* delay = getenv("RANKFLOW_SHIM_RENAME_DELAY_MS");
    if (delay != NULL && atol(delay) > 0) SleepMicros(atol(delay) * 1000);
    const char* fail = getenv("RANKFLOW_SHIM_RENAME_FAIL");
    if (fail != NULL && *fail != '\0' && strstr(to, fail) != NULL) {
      errno = EIO;
      return -1;
    }
  }
  return real_rename(from, to);
}
