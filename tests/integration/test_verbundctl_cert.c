/* test_verbundctl_cert.c - `verbundctl cert create|show` as an operator runs it: the built binary
 * (VB_TEST_NODE_DIR's parent build dir + /bin/verbundctl) writes key pairs into a temporary
 * directory; the test loads them with zcert and checks keys, metadata and file modes, that an
 * existing pair is never replaced, and that bad invocations exit 2.
 * Does not: start a CURVE stream with the certificates (test_stream_curve.c does that). */
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <czmq.h>

#define S_ZERO_KEY "0000000000000000000000000000000000000000"

static char s_binary[PATH_MAX + 16];
static char s_dir[256];      /* temporary directory of the certificates */
static char s_out[256 + 8];  /* stdout of the last run */
static char s_err[256 + 8];  /* stderr of the last run */

/* Runs verbundctl with the NULL-terminated arguments, stdout and stderr into files. Returns the
 * exit status, or -1 when it did not exit normally. */
static int
s_run(const char *first, ...)
{
    const char *argv[16] = {"verbundctl", first};
    size_t argc = 2;
    va_list args;
    va_start(args, first);
    for (const char *arg = va_arg(args, const char *); arg && argc < 15;
         arg = va_arg(args, const char *))
        argv[argc++] = arg;
    va_end(args);
    argv[argc] = NULL;

    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int out = open(s_out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int err = open(s_err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (out == -1 || err == -1)
            _exit(127);
        dup2(out, STDOUT_FILENO);
        dup2(err, STDERR_FILENO);
        execv(s_binary, (char *const *)argv);
        _exit(127);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The first line of the last run's stdout (newline removed) into buffer. */
static void
s_stdout_line(char *buffer, size_t size)
{
    FILE *file = fopen(s_out, "r");
    assert_non_null(file);
    buffer[0] = '\0';
    if (fgets(buffer, (int)size, file))
        buffer[strcspn(buffer, "\n")] = '\0';
    fclose(file);
}

static bool
s_stdout_contains(const char *text)
{
    char content[8192];
    FILE *file = fopen(s_out, "r");
    assert_non_null(file);
    size_t length = fread(content, 1, sizeof content - 1, file);
    fclose(file);
    content[length] = '\0';
    return strstr(content, text) != NULL;
}

static void
s_path(char *buffer, size_t size, const char *file)
{
    snprintf(buffer, size, "%s/%s", s_dir, file);
}

static int
s_setup(void **state)
{
    (void)state;
    const char *node_dir = getenv("VB_TEST_NODE_DIR");
    if (!node_dir || !node_dir[0]) {
        fprintf(stderr, "VB_TEST_NODE_DIR is not set (run through ctest)\n");
        return -1;
    }
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", node_dir);
    char *slash = strrchr(parent, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    snprintf(s_binary, sizeof s_binary, "%s/bin/verbundctl", parent);
    if (access(s_binary, X_OK) != 0) {
        fprintf(stderr, "%s is not an executable\n", s_binary);
        return -1;
    }
    snprintf(s_dir, sizeof s_dir, "/tmp/vb-test-cert.XXXXXX");
    if (!mkdtemp(s_dir))
        return -1;
    snprintf(s_out, sizeof s_out, "%s/stdout", s_dir);
    snprintf(s_err, sizeof s_err, "%s/stderr", s_dir);
    return 0;
}

static int
s_teardown(void **state)
{
    (void)state;
    char command[PATH_MAX + 16];
    snprintf(command, sizeof command, "rm -rf '%s'", s_dir);
    return system(command) == 0 ? 0 : -1;
}

static void
test_create_client_certificate_with_topics(void **state)
{
    (void)state;
    assert_int_equal(s_run("cert", "create", "crm", "--dir", s_dir, "--topic",
                           "verbund.membership.", "--topic", "verbund.communities.", NULL),
                     0);
    char printed[128];
    s_stdout_line(printed, sizeof printed);
    assert_int_equal(strlen(printed), 40);

    char public_path[PATH_MAX], secret_path[PATH_MAX];
    s_path(public_path, sizeof public_path, "crm.cert");
    s_path(secret_path, sizeof secret_path, "crm.cert_secret");

    /* The secret file is readable by its owner only. */
    struct stat info;
    assert_int_equal(stat(secret_path, &info), 0);
    assert_int_equal(info.st_mode & 0077, 0);

    /* The public file alone (as copied into the clients directory): no secret in it. */
    char copy_dir[PATH_MAX], copy_path[PATH_MAX + 16], command[3 * PATH_MAX];
    s_path(copy_dir, sizeof copy_dir, "clients");
    assert_int_equal(mkdir(copy_dir, 0700), 0);
    snprintf(copy_path, sizeof copy_path, "%s/crm.cert", copy_dir);
    snprintf(command, sizeof command, "cp '%s' '%s'", public_path, copy_path);
    assert_int_equal(system(command), 0);
    zcert_t *public_only = zcert_load(copy_path);
    assert_non_null(public_only);
    assert_string_equal(zcert_public_txt(public_only), printed);
    assert_string_equal(zcert_secret_txt(public_only), S_ZERO_KEY);
    assert_string_equal(zcert_meta(public_only, "name"), "crm");
    assert_string_equal(zcert_meta(public_only, "topics"),
                        "verbund.membership.,verbund.communities.");
    zcert_destroy(&public_only);

    /* The pair: the secret key belongs to the public key (CURVE derives one from the other). */
    zcert_t *pair = zcert_load(public_path);
    assert_non_null(pair);
    assert_string_equal(zcert_public_txt(pair), printed);
    assert_string_not_equal(zcert_secret_txt(pair), S_ZERO_KEY);
    char derived[41];
    assert_int_equal(zmq_curve_public(derived, zcert_secret_txt(pair)), 0);
    assert_string_equal(derived, printed);
    zcert_destroy(&pair);

    /* cert show prints the public key and the metadata, never the secret key. */
    assert_int_equal(s_run("cert", "show", public_path, NULL), 0);
    assert_true(s_stdout_contains(printed));
    assert_true(s_stdout_contains("verbund.membership.,verbund.communities."));
    zcert_t *again = zcert_load(public_path);
    assert_non_null(again);
    assert_false(s_stdout_contains(zcert_secret_txt(again)));
    zcert_destroy(&again);
}

static void
test_create_server_certificate_without_topics(void **state)
{
    (void)state;
    assert_int_equal(s_run("cert", "create", "stream-server", "--dir", s_dir, NULL), 0);
    char printed[128], path[PATH_MAX];
    s_stdout_line(printed, sizeof printed);
    s_path(path, sizeof path, "stream-server.cert_secret");
    /* As the stream loads VERBUND_STREAM_CURVE_SECRET_FILE: the secret file by its own name. */
    zcert_t *server = zcert_load(path);
    assert_non_null(server);
    assert_string_equal(zcert_public_txt(server), printed);
    assert_string_not_equal(zcert_secret_txt(server), S_ZERO_KEY);
    assert_string_equal(zcert_meta(server, "name"), "stream-server");
    assert_null(zcert_meta(server, "topics"));
    zcert_destroy(&server);
}

static void
test_existing_pair_is_not_replaced(void **state)
{
    (void)state;
    assert_int_equal(s_run("cert", "create", "keep", "--dir", s_dir, NULL), 0);
    char first[128], path[PATH_MAX];
    s_stdout_line(first, sizeof first);
    assert_int_equal(s_run("cert", "create", "keep", "--dir", s_dir, "--topic", "verbund.", NULL),
                     1);
    s_path(path, sizeof path, "keep.cert");
    zcert_t *kept = zcert_load(path);
    assert_non_null(kept);
    assert_string_equal(zcert_public_txt(kept), first);
    assert_null(zcert_meta(kept, "topics"));
    zcert_destroy(&kept);
}

static void
test_bad_invocations_exit_2(void **state)
{
    (void)state;
    assert_int_equal(s_run("cert", "create", "--dir", s_dir, NULL), 2);           /* no NAME */
    assert_int_equal(s_run("cert", "create", "nodir", NULL), 2);                  /* no --dir */
    assert_int_equal(s_run("cert", "create", "../escape", "--dir", s_dir, NULL), 2);
    assert_int_equal(s_run("cert", "create", "x", "--dir", s_dir, "--topic", "Verbund.", NULL),
                     2);
    assert_int_equal(s_run("cert", "create", "x", "--dir", s_dir, "--bogus", NULL), 2);
    assert_int_equal(s_run("cert", "show", NULL), 2);
    assert_int_equal(s_run("cert", NULL), 2);
    char path[PATH_MAX];
    s_path(path, sizeof path, "x.cert");
    struct stat info;
    assert_int_equal(stat(path, &info), -1); /* nothing was written */
    /* A file that is not there is not a usage error. */
    s_path(path, sizeof path, "missing.cert");
    assert_int_equal(s_run("cert", "show", path, NULL), 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_client_certificate_with_topics),
        cmocka_unit_test(test_create_server_certificate_without_topics),
        cmocka_unit_test(test_existing_pair_is_not_replaced),
        cmocka_unit_test(test_bad_invocations_exit_2),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
