/* matchmaking_validate.c - checks of needs, offers, k and targets (see the header).
 * Does not: allocate; every message is written into the caller's errors. */
#include "matchmaking_validate.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vb/text.h"

bool
matchmaking_validate_text(const char *text, size_t max)
{
    return !text || (vb_text_utf8_valid(text) && vb_text_length(text) <= max);
}

bool
matchmaking_validate_date(const char *text, bool optional)
{
    if (!text || !text[0])
        return optional;
    if (strlen(text) != 10 || text[4] != '-' || text[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)text[i]))
            return false;
    int year = atoi(text), month = atoi(text + 5), day = atoi(text + 8);
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (year < 1900 || year > 9999 || month < 1 || month > 12 || day < 1 || day > days[month - 1])
        return false;
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return !(month == 2 && day == 29 && !leap);
}

int
matchmaking_months_between(const char *starts_on, const char *ends_on)
{
    if (!matchmaking_validate_date(starts_on, false) || !matchmaking_validate_date(ends_on, false))
        return 1;
    int from = atoi(starts_on) * 12 + atoi(starts_on + 5);
    int to = atoi(ends_on) * 12 + atoi(ends_on + 5);
    /* a frame from the 1st to the 31st of one month is one month */
    int months = to - from + (atoi(ends_on + 8) >= atoi(starts_on + 8) ? 1 : 0);
    return months < 1 ? 1 : months;
}

static void
s_check_competences(Verbund__Matchmaking__V1__CompetenceLevel **items, size_t count,
                    const char *prefix, const matchmaking_read_model_t *model,
                    matchmaking_errors_t *errors)
{
    char path[96];
    if (count == 0 || count > MATCHMAKING_COMPETENCES_PER_ITEM) {
        snprintf(path, sizeof path, "%s.competences", prefix);
        vb_handler_errors_add(errors, path, "must list 1 to %d competences",
                              MATCHMAKING_COMPETENCES_PER_ITEM);
        return;
    }
    for (size_t i = 0; i < count; i++) {
        const Verbund__Matchmaking__V1__CompetenceLevel *item = items[i];
        snprintf(path, sizeof path, "%s.competences[%zu]", prefix, i);
        if (!item) {
            vb_handler_errors_add(errors, path, "is empty");
            continue;
        }
        if (matchmaking_read_model_competence_index(model, item->code) < 0)
            vb_handler_errors_add(errors, path, "code is not in the competence taxonomy");
        if (item->level < 1 || item->level > MATCHMAKING_LEVEL_MAX)
            vb_handler_errors_add(errors, path, "level must be between 1 and %d",
                                  MATCHMAKING_LEVEL_MAX);
        for (size_t j = 0; j < i; j++)
            if (items[j] && item->code && items[j]->code &&
                strcmp(items[j]->code, item->code) == 0) {
                vb_handler_errors_add(errors, path, "code is listed twice");
                break;
            }
    }
}

static void
s_check_money(const Verbund__Common__V1__Money *money, const char *path, bool required,
              matchmaking_errors_t *errors)
{
    if (!money) {
        if (required)
            vb_handler_errors_add(errors, path, "is required");
        return;
    }
    if (money->cents < 0 || money->cents > MATCHMAKING_CENTS_MAX)
        vb_handler_errors_add(errors, path, "cents must be between 0 and %lld",
                              (long long)MATCHMAKING_CENTS_MAX);
    const char *c = money->currency ? money->currency : "";
    if (strlen(c) != 3 || !isupper((unsigned char)c[0]) || !isupper((unsigned char)c[1]) ||
        !isupper((unsigned char)c[2]))
        vb_handler_errors_add(errors, path, "currency must be an ISO 4217 code like \"EUR\"");
}

static void
s_check_dates(const char *starts_on, const char *ends_on, const char *prefix,
              matchmaking_errors_t *errors)
{
    char path[96];
    bool from_ok = matchmaking_validate_date(starts_on, true);
    bool to_ok = matchmaking_validate_date(ends_on, true);
    if (!from_ok) {
        snprintf(path, sizeof path, "%s.starts_on", prefix);
        vb_handler_errors_add(errors, path, "must be a date YYYY-MM-DD");
    }
    if (!to_ok) {
        snprintf(path, sizeof path, "%s.ends_on", prefix);
        vb_handler_errors_add(errors, path, "must be a date YYYY-MM-DD");
    }
    if (from_ok && to_ok && starts_on[0] && ends_on[0] && strcmp(starts_on, ends_on) > 0) {
        snprintf(path, sizeof path, "%s.ends_on", prefix);
        vb_handler_errors_add(errors, path, "must not be before starts_on");
    }
}

static void
s_check_title(const char *title, const char *path, matchmaking_errors_t *errors)
{
    if (!title || !title[0] || !matchmaking_validate_text(title, MATCHMAKING_TEXT_MAX))
        vb_handler_errors_add(errors, path, "must be 1 to %d characters of UTF-8",
                              MATCHMAKING_TEXT_MAX);
}

void
matchmaking_validate_need(const Verbund__Matchmaking__V1__Need *need,
                          const matchmaking_read_model_t *model, matchmaking_errors_t *errors)
{
    if (!need) {
        vb_handler_errors_add(errors, "need", "is required");
        return;
    }
    s_check_title(need->title, "need.title", errors);
    s_check_competences(need->competences, need->n_competences, "need", model, errors);
    s_check_money(need->budget, "need.budget", false, errors);
    if (need->hours < 0 || need->hours > MATCHMAKING_HOURS_MAX)
        vb_handler_errors_add(errors, "need.hours", "must be between 0 and %d",
                              MATCHMAKING_HOURS_MAX);
    if (need->n_languages > MATCHMAKING_LANGUAGES_PER_NEED)
        vb_handler_errors_add(errors, "need.languages", "must have at most %d entries",
                              MATCHMAKING_LANGUAGES_PER_NEED);
    for (size_t i = 0; i < need->n_languages && i < MATCHMAKING_LANGUAGES_PER_NEED; i++) {
        const char *l = need->languages[i];
        if (!l || strlen(l) != 2 || !islower((unsigned char)l[0]) ||
            !islower((unsigned char)l[1])) {
            char path[64];
            snprintf(path, sizeof path, "need.languages[%zu]", i);
            vb_handler_errors_add(errors, path, "is not an ISO 639-1 code like \"de\"");
        }
    }
    if (!matchmaking_validate_text(need->region, MATCHMAKING_TEXT_MAX))
        vb_handler_errors_add(errors, "need.region", "must be at most %d characters of UTF-8",
                              MATCHMAKING_TEXT_MAX);
    s_check_dates(need->starts_on, need->ends_on, "need", errors);
}

void
matchmaking_validate_offer(const Verbund__Matchmaking__V1__Offer *offer,
                           const matchmaking_read_model_t *model, matchmaking_errors_t *errors)
{
    if (!offer) {
        vb_handler_errors_add(errors, "offer", "is required");
        return;
    }
    if (!offer->provider_organization_id || !offer->provider_organization_id[0])
        vb_handler_errors_add(errors, "offer.provider_organization_id", "is required");
    s_check_title(offer->title, "offer.title", errors);
    s_check_competences(offer->competences, offer->n_competences, "offer", model, errors);
    s_check_money(offer->price, "offer.price", true, errors);
    if (!matchmaking_validate_text(offer->region, MATCHMAKING_TEXT_MAX))
        vb_handler_errors_add(errors, "offer.region", "must be at most %d characters of UTF-8",
                              MATCHMAKING_TEXT_MAX);
    if (offer->format != VERBUND__MATCHMAKING__V1__OFFER_FORMAT__OFFER_FORMAT_ONLINE &&
        offer->format != VERBUND__MATCHMAKING__V1__OFFER_FORMAT__OFFER_FORMAT_ON_SITE)
        vb_handler_errors_add(errors, "offer.format", "must be \"online\" or \"on_site\"");
    if (offer->rating_count != 0 || offer->rating_average != 0.0)
        vb_handler_errors_add(errors, "offer.rating_count",
                              "ratings are given with POST /v1/offers/{id}/ratings");
    s_check_dates(offer->starts_on, offer->ends_on, "offer", errors);
}

int
matchmaking_validate_k(int32_t k, matchmaking_errors_t *errors)
{
    /* k is required: proto3 cannot tell an absent k from k=0, and k=0 is refused */
    if (k < 1 || k > MATCHMAKING_K_MAX) {
        vb_handler_errors_add(errors, "k", "must be between 1 and %d", MATCHMAKING_K_MAX);
        return -1;
    }
    return k;
}

int
matchmaking_targets_parse(const char *text, const matchmaking_read_model_t *model,
                          matchmaking_target_t *targets, matchmaking_errors_t *errors)
{
    int count = 0;
    const char *p = text ? text : "";
    while (*p) {
        const char *end = strchr(p, ',');
        size_t length = end ? (size_t)(end - p) : strlen(p);
        char item[96];
        if (length == 0 || length >= sizeof item) {
            vb_handler_errors_add(errors, "targets", "entry %d is empty or too long", count + 1);
            return -1;
        }
        memcpy(item, p, length);
        item[length] = '\0';
        char *colon = strrchr(item, ':');
        char *level_end = NULL;
        long level = colon ? strtol(colon + 1, &level_end, 10) : 0;
        if (!colon || colon == item || !colon[1] || *level_end != '\0') {
            vb_handler_errors_add(errors, "targets", "entry \"%.60s\" is not code:level", item);
            return -1;
        }
        *colon = '\0';
        int competence = matchmaking_read_model_competence_index(model, item);
        if (competence < 0) {
            vb_handler_errors_add(errors, "targets", "\"%.60s\" is not in the competence taxonomy",
                                  item);
            return -1;
        }
        if (level < 1 || level > MATCHMAKING_LEVEL_MAX) {
            vb_handler_errors_add(errors, "targets", "level of %s must be between 1 and %d", item,
                                  MATCHMAKING_LEVEL_MAX);
            return -1;
        }
        int found = -1;
        for (int i = 0; i < count; i++)
            if (targets[i].competence == competence)
                found = i;
        if (found >= 0) {
            if (level > targets[found].level)
                targets[found].level = (int)level;
        } else {
            if (count == MATCHMAKING_TARGETS_MAX) {
                vb_handler_errors_add(errors, "targets", "at most %d targets",
                                      MATCHMAKING_TARGETS_MAX);
                return -1;
            }
            targets[count].competence = competence;
            targets[count].level = (int)level;
            count++;
        }
        p += length;
        if (*p == ',')
            p++;
    }
    return count;
}
