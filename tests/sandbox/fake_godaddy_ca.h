/*
 * The GoDaddy fake's test CA: checks CSRs and signs leaf certificates with
 * an in-memory EC P-256 CA made at the first issue, so the chain the fake
 * hands out matches the key the plugin generated. Private to the sandbox.
 */
#ifndef ENVSETUP_FAKE_GODADDY_CA_H
#define ENVSETUP_FAKE_GODADDY_CA_H

#include <stddef.h>
#include <time.h>

/* 1 when `pem` (nullable) is a PEM CSR whose signature verifies. */
int gdca_csr_valid(const char *pem);

struct gdca_leaf {
	char *pem;       /* malloc'd, the caller frees it */
	char serial[48]; /* decimal, unique per issue */
	time_t not_before;
	time_t not_after;
};

/* Signs a leaf from `csr_pem`: its public key, its subject CN (or
 * `fallback_cn` when it has none) and its SAN extension, valid `years`
 * (1..100) years from now. 0 on success, -1 on any failure (then `out`
 * holds nothing to free). */
int gdca_issue(const char *csr_pem, const char *fallback_cn, int years,
               struct gdca_leaf *out);

/* The CA certificate as PEM (borrowed, lives until exit), or NULL when
 * the CA cannot be made. */
const char *gdca_ca_pem(void);

#endif
