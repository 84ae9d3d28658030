/*
 * The house pattern for a plugin's tasks: one function per task serves
 * plan, apply and verify, walking the same look-ups in each phase. Where
 * something is not as the config wants, es_phase_differs() does what the
 * phase calls for, so that rule is written once for every plugin.
 *
 * Header-only: it calls nothing but the host table. Since ABI 1.0.
 */
#ifndef ENVSETUP_PHASE_H
#define ENVSETUP_PHASE_H

#include "envsetup/host.h"

enum es_phase {
	ES_PHASE_PLAN,   /* read-only: record what apply would change */
	ES_PHASE_APPLY,  /* make it so */
	ES_PHASE_VERIFY, /* read-only: fail on what is not in place */
};

/*
 * `kind` `name` is not in place (detail, nullable, says how). In plan it
 * is recorded as `change` and ES_OK returned; in verify it is reported as
 * the reason and ES_FAILED returned; in apply nothing happens and ES_OK is
 * returned: the caller goes on to make it.
 */
static inline enum es_status
es_phase_differs(const struct es_host *host, es_call *call, enum es_phase phase,
                 enum es_change change, const char *kind, const char *name,
                 const char *detail)
{
	if (phase == ES_PHASE_PLAN)
		host->plan->change(call, change, kind, name, detail);
	if (phase != ES_PHASE_VERIFY)
		return ES_OK;
	host->diag->error(call, NULL, "%s %s is not in place%s%s%s", kind, name,
	                  detail ? " (" : "", detail ? detail : "",
	                  detail ? ")" : "");
	return ES_FAILED;
}

#endif
