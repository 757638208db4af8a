/* vb_test_node.h - what integration tests know about the node the "node" fixture started:
 * the values of VB_TEST_NODE_DIR/env, and node.sh subcommands (restart or kill a service, stop
 * or start Redis). Does not: start the node (ctest's node_start does). */
#ifndef VB_TEST_NODE_H
#define VB_TEST_NODE_H

/* The value of key in VB_TEST_NODE_DIR/env (read once), or NULL when the key is absent or the
 * test runs without the fixture. Borrowed for the life of the process. */
const char *vb_test_env(const char *key);

/* Runs "$VB_SOURCE_DIR/tests/support/node.sh SUBCOMMAND DIR BUILD [SERVICE]", where DIR is
 * VB_TEST_NODE_DIR and BUILD its parent. service may be NULL. Returns node.sh's exit status
 * (0 success), or -1 when it could not be run. */
int vb_test_node_cmd(const char *subcommand, const char *service);

#endif
