/* vb_test_node.c - reads the node fixture's env file and runs node.sh for integration tests.
 * Does not: parse shell quoting (node.sh writes plain KEY=VALUE lines). */
#include "vb_test_node.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define S_MAX_ENTRIES 64

typedef struct {
    char *key;
    char *value;
} s_entry_t;

static s_entry_t s_entries[S_MAX_ENTRIES];
static size_t s_entry_count;
static pthread_once_t s_once = PTHREAD_ONCE_INIT;

static void
s_load(void)
{
    const char *dir = getenv("VB_TEST_NODE_DIR");
    if (!dir || !*dir)
        return;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/env", dir);
    FILE *file = fopen(path, "r");
    if (!file) {
        fprintf(stderr, "vb_test_env: %s: %s\n", path, strerror(errno));
        return;
    }
    char line[4096];
    while (s_entry_count < S_MAX_ENTRIES && fgets(line, sizeof line, file)) {
        line[strcspn(line, "\r\n")] = '\0';
        char *equals = strchr(line, '=');
        if (line[0] == '#' || !equals)
            continue;
        *equals = '\0';
        s_entries[s_entry_count].key = strdup(line);
        s_entries[s_entry_count].value = strdup(equals + 1);
        if (s_entries[s_entry_count].key && s_entries[s_entry_count].value)
            s_entry_count++;
    }
    fclose(file);
}

const char *
vb_test_env(const char *key)
{
    pthread_once(&s_once, s_load);
    for (size_t i = 0; i < s_entry_count; i++) {
        if (strcmp(s_entries[i].key, key) == 0)
            return s_entries[i].value;
    }
    return NULL;
}

int
vb_test_node_cmd(const char *subcommand, const char *service)
{
    const char *dir = getenv("VB_TEST_NODE_DIR");
    const char *source = getenv("VB_SOURCE_DIR");
    if (!dir || !*dir || !source || !*source || !subcommand) {
        fprintf(stderr, "vb_test_node_cmd: VB_TEST_NODE_DIR and VB_SOURCE_DIR must be set\n");
        return -1;
    }
    char script[PATH_MAX], build[PATH_MAX];
    snprintf(script, sizeof script, "%s/tests/support/node.sh", source);
    snprintf(build, sizeof build, "%s", dir);
    char *build_dir = dirname(build); /* the node dir is <build>/test-node */

    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        char *argv[] = {script, (char *) subcommand, (char *) dir, build_dir, (char *) service,
                        NULL};
        execv(script, argv);
        fprintf(stderr, "vb_test_node_cmd: exec %s: %s\n", script, strerror(errno));
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
