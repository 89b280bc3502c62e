/*
 * asn1defs.h - the libtasn1 definitions of src/asn1/rootwarden.asn (the ASN.1 GnuTLS does not
 * expose: X.501 names in OpenSSL's canonical form, PKCS #12 bags with Java's attribute).
 *
 * Contract: asn1defs() returns the parsed definitions, built once per process (thread-safe) and
 * never freed; NULL with a message when the table does not parse (a build error). Callers make
 * elements with asn1_create_element(defs, "RootWarden.Name", &node) and delete them.
 */
#ifndef RW_ASN1DEFS_H
#define RW_ASN1DEFS_H

#include <libtasn1.h>

#include "err.h"

asn1_node asn1defs(struct rw_err *e);

#endif
