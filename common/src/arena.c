/* arena.c - the per-request bump allocator of vb/arena.h: a chain of blocks freed all at once.
 * Does not: free or resize single allocations, or lock (one thread owns an arena). */
#include "vb/arena.h"

#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every allocation is aligned for any type. */
#define ARENA_ALIGN alignof(max_align_t)
/* Usable bytes of an ordinary block; larger requests get a block of their own. */
#define ARENA_BLOCK_SIZE 8192

typedef struct arena_block {
    struct arena_block *next; /* the previously filled block, or NULL */
    size_t size;              /* usable bytes in data */
    size_t used;              /* bytes handed out from data */
    alignas(max_align_t) unsigned char data[];
} arena_block_t;

struct vb_arena {
    arena_block_t *current;        /* block allocations come from; head of the chain */
    arena_block_t *large;          /* chain of blocks made for single large allocations */
    ProtobufCAllocator allocator;  /* allocator_data points back at this arena */
};

static void *
s_protobuf_alloc(void *allocator_data, size_t size)
{
    return vb_arena_alloc((vb_arena_t *) allocator_data, size);
}

static void
s_protobuf_free(void *allocator_data, void *pointer)
{
    /* Arena memory is released with the arena. */
    (void) allocator_data;
    (void) pointer;
}

static arena_block_t *
s_block_new(size_t size)
{
    VB_ASSERT(size <= SIZE_MAX - sizeof(arena_block_t));
    arena_block_t *block = malloc(sizeof(arena_block_t) + size);
    if (!block)
        return NULL;
    block->next = NULL;
    block->size = size;
    block->used = 0;
    return block;
}

static void
s_chain_free(arena_block_t *block)
{
    while (block) {
        arena_block_t *next = block->next;
        free(block);
        block = next;
    }
}

vb_arena_t *
vb_arena_new(void)
{
    vb_arena_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    self->current = s_block_new(ARENA_BLOCK_SIZE);
    if (!self->current) {
        free(self);
        return NULL;
    }
    self->allocator.alloc = s_protobuf_alloc;
    self->allocator.free = s_protobuf_free;
    self->allocator.allocator_data = self;
    return self;
}

void
vb_arena_destroy(vb_arena_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vb_arena_t *self = *self_p;
    s_chain_free(self->current);
    s_chain_free(self->large);
    free(self);
    *self_p = NULL;
}

void
vb_arena_reset(vb_arena_t *self)
{
    VB_ASSERT(self);
    s_chain_free(self->large);
    self->large = NULL;
    s_chain_free(self->current->next);
    self->current->next = NULL;
    self->current->used = 0;
}

void *
vb_arena_alloc_bytes(vb_arena_t *self, size_t size)
{
    VB_ASSERT(self);
    if (size == 0)
        size = 1; /* distinct, valid pointers even for empty objects */
    VB_ASSERT(size <= SIZE_MAX - ARENA_ALIGN);
    size_t rounded = (size + ARENA_ALIGN - 1) & ~(size_t) (ARENA_ALIGN - 1);

    if (rounded > ARENA_BLOCK_SIZE / 4) {
        /* Large: its own block, so the current block's free space is not wasted. */
        arena_block_t *block = s_block_new(rounded);
        VB_ASSERT(block);
        block->used = rounded;
        block->next = self->large;
        self->large = block;
        return block->data;
    }
    if (self->current->size - self->current->used < rounded) {
        arena_block_t *block = s_block_new(ARENA_BLOCK_SIZE);
        VB_ASSERT(block);
        block->next = self->current;
        self->current = block;
    }
    void *memory = self->current->data + self->current->used;
    self->current->used += rounded;
    return memory;
}

void *
vb_arena_alloc(vb_arena_t *self, size_t size)
{
    void *memory = vb_arena_alloc_bytes(self, size);
    memset(memory, 0, size ? size : 1);
    return memory;
}

char *
vb_arena_strndup(vb_arena_t *self, const char *s, size_t n)
{
    if (!s)
        return vb_arena_alloc(self, 1);
    size_t length = strnlen(s, n);
    VB_ASSERT(length < SIZE_MAX);
    char *copy = vb_arena_alloc_bytes(self, length + 1);
    memcpy(copy, s, length);
    copy[length] = '\0';
    return copy;
}

char *
vb_arena_strdup(vb_arena_t *self, const char *s)
{
    if (!s)
        return vb_arena_alloc(self, 1);
    return vb_arena_strndup(self, s, strlen(s));
}

char *
vb_arena_printf(vb_arena_t *self, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    int length = vsnprintf(NULL, 0, fmt, args);
    va_end(args);
    VB_ASSERT(length >= 0);

    char *out = vb_arena_alloc(self, (size_t) length + 1);
    va_start(args, fmt);
    vsnprintf(out, (size_t) length + 1, fmt, args);
    va_end(args);
    return out;
}

ProtobufCAllocator *
vb_arena_protobuf_allocator(vb_arena_t *self)
{
    VB_ASSERT(self);
    return &self->allocator;
}

void *
vb_arena_message(vb_arena_t *self, const ProtobufCMessageDescriptor *descriptor)
{
    VB_ASSERT(descriptor && descriptor->message_init);
    /* not zeroed: the generated init writes the whole struct */
    void *message = vb_arena_alloc_bytes(self, descriptor->sizeof_message);
    descriptor->message_init(message);
    return message;
}
