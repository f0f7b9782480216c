/*
 * shmsim run --host, shmsim diff and shmsim export (hostcmd.c), as main.c
 * calls them.  Each returns the command's exit status (docs/shmsim.1).
 */
#ifndef SHMSIM_HOSTCMD_H
#define SHMSIM_HOSTCMD_H

#include <stdbool.h>
#include <stdio.h>

#include "scenario.h"

/* run --host over parsed scripts: the trace, then one summary line. */
int sc_host_scripts(struct sc_script *scs, int n, bool quiet, int timeout,
    FILE *out);
/* The value of --timeout (printed message and false when bad). */
bool sc_timeout_arg(const char *s, int *vp);
/* shmsim diff ARGS and shmsim export ARGS; usage for bad options. */
int sc_cmd_diff(int argc, char **argv, const char *usage);
int sc_cmd_export(int argc, char **argv, const char *usage);

#endif /* SHMSIM_HOSTCMD_H */
