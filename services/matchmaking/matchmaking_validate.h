/* matchmaking_validate.h - checks of needs, offers and query parameters before anything is
 * stored or computed, each failure as a field path and a message (the handlers turn them into
 * field errors), and parsing of the "code:level,..." targets of an offer recommendation.
 * Competence codes are checked against the read model's copy of the taxonomy.
 * Does not: check that referenced persons or organisations exist (the handlers ask the read
 * model), or authorise. */
#ifndef MATCHMAKING_VALIDATE_H
#define MATCHMAKING_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#include "verbund/matchmaking/v1/matchmaking.pb-c.h"
#include "vb/assert.h"
#include "vb/handler.h"
#include "matchmaking_read_model.h"

#define MATCHMAKING_MAX_FIELD_ERRORS VB_HANDLER_MAX_FIELD_ERRORS
#define MATCHMAKING_TEXT_MAX 200            /* characters of titles and regions */
#define MATCHMAKING_COMPETENCES_PER_ITEM 20 /* required / covered competences of one item */
#define MATCHMAKING_LEVEL_MAX 5
#define MATCHMAKING_LANGUAGES_PER_NEED 10
#define MATCHMAKING_HOURS_MAX 100000
#define MATCHMAKING_CENTS_MAX INT64_C(100000000000) /* one billion euro */
#define MATCHMAKING_K_MAX 100
#define MATCHMAKING_TARGETS_MAX 20

/* Validation errors (vb/handler.h): field paths and messages, the first
 * MATCHMAKING_MAX_FIELD_ERRORS kept. */
typedef vb_handler_errors_t matchmaking_errors_t;

/* A need as a client sends it (owners are checked by the handler). */
void matchmaking_validate_need(const Verbund__Matchmaking__V1__Need *need,
                               const matchmaking_read_model_t *model, matchmaking_errors_t *errors);
void matchmaking_validate_offer(const Verbund__Matchmaking__V1__Offer *offer,
                                const matchmaking_read_model_t *model,
                                matchmaking_errors_t *errors);

/* k of a top-k query: required, 1..MATCHMAKING_K_MAX. -1 with an error on field "k"
 * otherwise. */
int matchmaking_validate_k(int32_t k, matchmaking_errors_t *errors);

/* "YYYY-MM-DD" that is a real date ("" allowed when optional). */
bool matchmaking_validate_date(const char *text, bool optional);

/* Whole months from starts_on to ends_on (at least 1; 1 when either is ""). */
int matchmaking_months_between(const char *starts_on, const char *ends_on);

/* One target of a recommendation. */
typedef struct {
    int competence; /* taxonomy index */
    int level;      /* 1..5 */
} matchmaking_target_t;

/* Parses "dc.2.4:4,fs.collaboration:3" into targets (at most MATCHMAKING_TARGETS_MAX; a code
 * given twice keeps the higher level). Returns the count, or -1 with errors on field
 * "targets" (bad syntax, unknown code, level out of 1..5, too many). */
int matchmaking_targets_parse(const char *text, const matchmaking_read_model_t *model,
                              matchmaking_target_t *targets, matchmaking_errors_t *errors);

/* True when text is valid UTF-8 of at most max code points. */
bool matchmaking_validate_text(const char *text, size_t max);

#endif
