// LD_PRELOAD shim for the commit tests: slows down or fails rename(2) in the processes it is
// loaded into, so that kills land inside the commit window and failures hit its last steps.
//   RANKFLOW_SHIM_RENAME_DELAY_MS=N     sleep N ms before every rename
//   RANKFLOW_SHIM_RENAME_FAIL=SUBSTR    renames whose target contains SUBSTR fail with EIO
//   RANKFLOW_SHIM_RANK=R                only in MPI rank R (OMPI_COMM_WORLD_RANK); default: all
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int ShimApplies(void) {
  const char* want = getenv("RANKFLOW_SHIM_RANK");
  if (want == NULL || *want == '\0') return 1;
  const char* rank = getenv("OMPI_COMM_WORLD_RANK");
  return rank != NULL && strcmp(rank, want) == 0;
}

int rename(const char* from, const char* to) {
  static int (*real_rename)(const char*, const char*) = NULL;
  if (real_rename == NULL)
    real_rename = (int (*)(const char*, const char*))dlsym(RTLD_NEXT, "rename");
  if (ShimApplies()) {
    const char* delay = getenv("RANKFLOW_SHIM_RENAME_DELAY_MS");
    if (delay != NULL && atoi(delay) > 0) {
      struct timespec ts = {atoi(delay) / 1000, (long)(atoi(delay) % 1000) * 1000000L};
      while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
      }
    }
    const char* fail = getenv("RANKFLOW_SHIM_RENAME_FAIL");
    if (fail != NULL && *fail != '\0' && strstr(to, fail) != NULL) {
      errno = EIO;
      return -1;
    }
  }
  return real_rename(from, to);
}
