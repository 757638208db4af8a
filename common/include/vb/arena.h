/* vb/arena.h - a per-request bump allocator. Handlers build reply messages in it; the RPC layer
 * frees everything at once after packing. Also serves as a ProtobufCAllocator for unpacking.
 * Does not: free single allocations, or grow objects in place. Not thread-safe. */
#ifndef VB_ARENA_H
#define VB_ARENA_H

#include <stddef.h>
#include <protobuf-c/protobuf-c.h>

#include "vb/assert.h"

typedef struct vb_arena vb_arena_t;

/* A new arena, or NULL when out of memory. */
vb_arena_t *vb_arena_new(void);

/* Frees every block of the arena; accepts NULL; nulls *self_p. */
void vb_arena_destroy(vb_arena_t **self_p);

/* Releases everything allocated so far but keeps one block for what comes next: a loop that
 * decodes one message after another reuses the same memory instead of a malloc per field. */
void vb_arena_reset(vb_arena_t *self);

/* Zeroed memory aligned for any type, owned by the arena. Aborts when out of memory (like
 * zmalloc in CZMQ): a request that cannot allocate a few kilobytes cannot be answered anyway. */
void *vb_arena_alloc(vb_arena_t *self, size_t size);

/* Like vb_arena_alloc but not zeroed, for memory the caller fills at once (copies, messages
 * whose init writes every field). */
void *vb_arena_alloc_bytes(vb_arena_t *self, size_t size);

/* Copies of strings / bytes in the arena. vb_arena_strdup(NULL) returns "" (protobuf-c
 * strings are never NULL in a packed message). */
char *vb_arena_strdup(vb_arena_t *self, const char *s);
char *vb_arena_strndup(vb_arena_t *self, const char *s, size_t n);
char *vb_arena_printf(vb_arena_t *self, const char *fmt, ...) VB_PRINTF(2, 3);

/* An allocator whose allocations live in the arena (free is a no-op). Borrowed; valid while
 * the arena lives. */
ProtobufCAllocator *vb_arena_protobuf_allocator(vb_arena_t *self);

/* Allocates a message of the given type in the arena and runs its init, e.g.
 *   Verbund__Membership__V1__Person *p =
 *       vb_arena_message(arena, &verbund__membership__v1__person__descriptor);
 * Repeated fields and strings set later must also live in the arena. */
void *vb_arena_message(vb_arena_t *self, const ProtobufCMessageDescriptor *descriptor);

#endif
