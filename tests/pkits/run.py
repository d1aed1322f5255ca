#!/usr/bin/env python3
"""NIST PKITS (Public Key Interoperability Test Suite) path-validation tests through
`inkan verify chain`.

Usage: tests/pkits/run.py [PKITS_DIR] [--inkan BIN] [--section 4.8] [-v]

PKITS_DIR (or $INKAN_PKITS_DIR, default ../shared/vectors/pkits relative to the repository)
holds the PKITS data as NIST distributes it: `certs/*.crt` and `crls/*.crl` (DER), with the
2011 re-issue's policy OIDs (2.16.840.1.101.3.2.1.48.N). Without it the script says so and
exits 0. The data is not part of this repository.

Every test runs with the trust anchor `TrustAnchorRootCertificate.crt`, the whole `certs/`
directory as intermediates, the whole `crls/` directory as CRLs, and
`--at 2020-06-15T00:00:00Z` (inside every "good" validity window, after every "bad" one). The
path builder picks the path; the expected verdicts below are those of the PKITS document (NIST
PKITS v1.0.1, section 4) for the path it describes, which is the only one that chains to
the end certificate in each case. Settings per run: E = initial-explicit-policy,
M = initial-policy-mapping-inhibit, A = initial-any-policy-inhibit, P<n> = NIST-test-policy-n
in user-initial-policy-set (none given: anyPolicy).

Exit status: 0 when every run gives the expected verdict (the two valid-DSA paths, 4.1.4
and 4.1.5, may instead be refused with `unsupported-algorithm`: DSA is not implemented),
1 otherwise, 2 on usage errors.
"""

import argparse
import json
import os
import subprocess
import sys
from collections import OrderedDict
from pathlib import Path

AT = "2020-06-15T00:00:00Z"
# DSA (RFC 3279 §2.2.2) is not implemented: these valid-DSA paths must be refused with
# `unsupported-algorithm` (never `bad-signature`); they are reported apart, not failed.
DSA_VALID = {"4.1.4", "4.1.5"}
POLICY = "2.16.840.1.101.3.2.1.48.{}"
V, I = True, False

# (test number, end-certificate file stem without "EE.crt", [(settings, expected valid?)]).
# Section titles are in SECTIONS. One run with default settings is written ("", V/I).
TESTS = [
    # 4.1 Signature Verification
    ("4.1.1", "ValidCertificatePathTest1", [("", V)]),
    ("4.1.2", "InvalidCASignatureTest2", [("", I)]),
    ("4.1.3", "InvalidEESignatureTest3", [("", I)]),
    ("4.1.4", "ValidDSASignaturesTest4", [("", V)]),
    ("4.1.5", "ValidDSAParameterInheritanceTest5", [("", V)]),
    ("4.1.6", "InvalidDSASignatureTest6", [("", I)]),
    # 4.2 Validity Periods
    ("4.2.1", "InvalidCAnotBeforeDateTest1", [("", I)]),
    ("4.2.2", "InvalidEEnotBeforeDateTest2", [("", I)]),
    ("4.2.3", "Validpre2000UTCnotBeforeDateTest3", [("", V)]),
    ("4.2.4", "ValidGeneralizedTimenotBeforeDateTest4", [("", V)]),
    ("4.2.5", "InvalidCAnotAfterDateTest5", [("", I)]),
    ("4.2.6", "InvalidEEnotAfterDateTest6", [("", I)]),
    ("4.2.7", "Invalidpre2000UTCEEnotAfterDateTest7", [("", I)]),
    ("4.2.8", "ValidGeneralizedTimenotAfterDateTest8", [("", V)]),
    # 4.3 Verifying Name Chaining
    ("4.3.1", "InvalidNameChainingTest1", [("", I)]),
    ("4.3.2", "InvalidNameChainingOrderTest2", [("", I)]),
    ("4.3.3", "ValidNameChainingWhitespaceTest3", [("", V)]),
    ("4.3.4", "ValidNameChainingWhitespaceTest4", [("", V)]),
    ("4.3.5", "ValidNameChainingCapitalizationTest5", [("", V)]),
    ("4.3.6", "ValidNameUIDsTest6", [("", V)]),
    ("4.3.7", "ValidRFC3280MandatoryAttributeTypesTest7", [("", V)]),
    ("4.3.8", "ValidRFC3280OptionalAttributeTypesTest8", [("", V)]),
    ("4.3.9", "ValidUTF8StringEncodedNamesTest9", [("", V)]),
    ("4.3.10", "ValidRolloverfromPrintableStringtoUTF8StringTest10", [("", V)]),
    ("4.3.11", "ValidUTF8StringCaseInsensitiveMatchTest11", [("", V)]),
    # 4.4 Basic Certificate Revocation
    ("4.4.1", "InvalidMissingCRLTest1", [("", I)]),
    ("4.4.2", "InvalidRevokedCATest2", [("", I)]),
    ("4.4.3", "InvalidRevokedEETest3", [("", I)]),
    ("4.4.4", "InvalidBadCRLSignatureTest4", [("", I)]),
    ("4.4.5", "InvalidBadCRLIssuerNameTest5", [("", I)]),
    ("4.4.6", "InvalidWrongCRLTest6", [("", I)]),
    ("4.4.7", "ValidTwoCRLsTest7", [("", V)]),
    ("4.4.8", "InvalidUnknownCRLEntryExtensionTest8", [("", I)]),
    ("4.4.9", "InvalidUnknownCRLExtensionTest9", [("", I)]),
    ("4.4.10", "InvalidUnknownCRLExtensionTest10", [("", I)]),
    ("4.4.11", "InvalidOldCRLnextUpdateTest11", [("", I)]),
    ("4.4.12", "Invalidpre2000CRLnextUpdateTest12", [("", I)]),
    ("4.4.13", "ValidGeneralizedTimeCRLnextUpdateTest13", [("", V)]),
    ("4.4.14", "ValidNegativeSerialNumberTest14", [("", V)]),
    ("4.4.15", "InvalidNegativeSerialNumberTest15", [("", I)]),
    ("4.4.16", "ValidLongSerialNumberTest16", [("", V)]),
    ("4.4.17", "ValidLongSerialNumberTest17", [("", V)]),
    ("4.4.18", "InvalidLongSerialNumberTest18", [("", I)]),
    ("4.4.19", "ValidSeparateCertificateandCRLKeysTest19", [("", V)]),
    ("4.4.20", "InvalidSeparateCertificateandCRLKeysTest20", [("", I)]),
    ("4.4.21", "InvalidSeparateCertificateandCRLKeysTest21", [("", I)]),
    # 4.5 Verifying Paths with Self-Issued Certificates
    ("4.5.1", "ValidBasicSelfIssuedOldWithNewTest1", [("", V)]),
    ("4.5.2", "InvalidBasicSelfIssuedOldWithNewTest2", [("", I)]),
    ("4.5.3", "ValidBasicSelfIssuedNewWithOldTest3", [("", V)]),
    ("4.5.4", "ValidBasicSelfIssuedNewWithOldTest4", [("", V)]),
    ("4.5.5", "InvalidBasicSelfIssuedNewWithOldTest5", [("", I)]),
    ("4.5.6", "ValidBasicSelfIssuedCRLSigningKeyTest6", [("", V)]),
    ("4.5.7", "InvalidBasicSelfIssuedCRLSigningKeyTest7", [("", I)]),
    ("4.5.8", "InvalidBasicSelfIssuedCRLSigningKeyTest8", [("", I)]),
    # 4.6 Verifying Basic Constraints
    ("4.6.1", "InvalidMissingbasicConstraintsTest1", [("", I)]),
    ("4.6.2", "InvalidcAFalseTest2", [("", I)]),
    ("4.6.3", "InvalidcAFalseTest3", [("", I)]),
    ("4.6.4", "ValidbasicConstraintsNotCriticalTest4", [("", V)]),
    ("4.6.5", "InvalidpathLenConstraintTest5", [("", I)]),
    ("4.6.6", "InvalidpathLenConstraintTest6", [("", I)]),
    ("4.6.7", "ValidpathLenConstraintTest7", [("", V)]),
    ("4.6.8", "ValidpathLenConstraintTest8", [("", V)]),
    ("4.6.9", "InvalidpathLenConstraintTest9", [("", I)]),
    ("4.6.10", "InvalidpathLenConstraintTest10", [("", I)]),
    ("4.6.11", "InvalidpathLenConstraintTest11", [("", I)]),
    ("4.6.12", "InvalidpathLenConstraintTest12", [("", I)]),
    ("4.6.13", "ValidpathLenConstraintTest13", [("", V)]),
    ("4.6.14", "ValidpathLenConstraintTest14", [("", V)]),
    ("4.6.15", "ValidSelfIssuedpathLenConstraintTest15", [("", V)]),
    ("4.6.16", "InvalidSelfIssuedpathLenConstraintTest16", [("", I)]),
    ("4.6.17", "ValidSelfIssuedpathLenConstraintTest17", [("", V)]),
    # 4.7 Key Usage
    ("4.7.1", "InvalidkeyUsageCriticalkeyCertSignFalseTest1", [("", I)]),
    ("4.7.2", "InvalidkeyUsageNotCriticalkeyCertSignFalseTest2", [("", I)]),
    ("4.7.3", "ValidkeyUsageNotCriticalTest3", [("", V)]),
    ("4.7.4", "InvalidkeyUsageCriticalcRLSignFalseTest4", [("", I)]),
    ("4.7.5", "InvalidkeyUsageNotCriticalcRLSignFalseTest5", [("", I)]),
    # 4.8 Certificate Policies
    ("4.8.1", "ValidCertificatePathTest1",
     [("E", V), ("E P1", V), ("E P2", I), ("E P1 P2", V)]),
    ("4.8.2", "AllCertificatesNoPoliciesTest2", [("", V), ("E", I)]),
    ("4.8.3", "DifferentPoliciesTest3", [("", V), ("E", I), ("E P1 P2", I)]),
    ("4.8.4", "DifferentPoliciesTest4", [("", I)]),
    ("4.8.5", "DifferentPoliciesTest5", [("", I)]),
    ("4.8.6", "OverlappingPoliciesTest6", [("", V), ("P1", V), ("P2", I)]),
    ("4.8.7", "DifferentPoliciesTest7", [("", I)]),
    ("4.8.8", "DifferentPoliciesTest8", [("", I)]),
    ("4.8.9", "DifferentPoliciesTest9", [("", I)]),
    ("4.8.10", "AllCertificatesSamePoliciesTest10", [("", V), ("P1", V), ("P2", V)]),
    ("4.8.11", "AllCertificatesanyPolicyTest11", [("", V), ("P1", V)]),
    ("4.8.12", "DifferentPoliciesTest12", [("", I)]),
    ("4.8.13", "AllCertificatesSamePoliciesTest13", [("P1", V), ("P2", V), ("P3", V)]),
    ("4.8.14", "AnyPolicyTest14", [("P1", V), ("P2", I)]),
    ("4.8.15", "UserNoticeQualifierTest15", [("", V)]),
    ("4.8.16", "UserNoticeQualifierTest16", [("", V)]),
    ("4.8.17", "UserNoticeQualifierTest17", [("", V)]),
    ("4.8.18", "UserNoticeQualifierTest18", [("P1", V), ("P2", V)]),
    ("4.8.19", "UserNoticeQualifierTest19", [("", V)]),
    ("4.8.20", "CPSPointerQualifierTest20", [("", V), ("E", V)]),
    # 4.9 Require Explicit Policy
    ("4.9.1", "ValidrequireExplicitPolicyTest1", [("", V)]),
    ("4.9.2", "ValidrequireExplicitPolicyTest2", [("", V)]),
    ("4.9.3", "InvalidrequireExplicitPolicyTest3", [("", I)]),
    ("4.9.4", "ValidrequireExplicitPolicyTest4", [("", V)]),
    ("4.9.5", "InvalidrequireExplicitPolicyTest5", [("", I)]),
    ("4.9.6", "ValidSelfIssuedrequireExplicitPolicyTest6", [("", V)]),
    ("4.9.7", "InvalidSelfIssuedrequireExplicitPolicyTest7", [("", I)]),
    ("4.9.8", "InvalidSelfIssuedrequireExplicitPolicyTest8", [("", I)]),
    # 4.10 Policy Mappings
    ("4.10.1", "ValidPolicyMappingTest1", [("P1", V), ("P2", I), ("M", I)]),
    ("4.10.2", "InvalidPolicyMappingTest2", [("", I), ("M", I)]),
    ("4.10.3", "ValidPolicyMappingTest3", [("P1", I), ("P2", V)]),
    ("4.10.4", "InvalidPolicyMappingTest4", [("", I)]),
    ("4.10.5", "ValidPolicyMappingTest5", [("P1", V), ("P6", I)]),
    ("4.10.6", "ValidPolicyMappingTest6", [("P1", V), ("P6", I)]),
    ("4.10.7", "InvalidMappingFromanyPolicyTest7", [("", I)]),
    ("4.10.8", "InvalidMappingToanyPolicyTest8", [("", I)]),
    ("4.10.9", "ValidPolicyMappingTest9", [("", V)]),
    ("4.10.10", "InvalidPolicyMappingTest10", [("", I)]),
    ("4.10.11", "ValidPolicyMappingTest11", [("", V)]),
    ("4.10.12", "ValidPolicyMappingTest12", [("P1", V), ("P2", V)]),
    ("4.10.13", "ValidPolicyMappingTest13", [("", V)]),
    ("4.10.14", "ValidPolicyMappingTest14", [("", V)]),
    # 4.11 Inhibit Policy Mapping
    ("4.11.1", "InvalidinhibitPolicyMappingTest1", [("", I)]),
    ("4.11.2", "ValidinhibitPolicyMappingTest2", [("", V)]),
    ("4.11.3", "InvalidinhibitPolicyMappingTest3", [("", I)]),
    ("4.11.4", "ValidinhibitPolicyMappingTest4", [("", V)]),
    ("4.11.5", "InvalidinhibitPolicyMappingTest5", [("", I)]),
    ("4.11.6", "InvalidinhibitPolicyMappingTest6", [("", I)]),
    ("4.11.7", "ValidSelfIssuedinhibitPolicyMappingTest7", [("", V)]),
    ("4.11.8", "InvalidSelfIssuedinhibitPolicyMappingTest8", [("", I)]),
    ("4.11.9", "InvalidSelfIssuedinhibitPolicyMappingTest9", [("", I)]),
    ("4.11.10", "InvalidSelfIssuedinhibitPolicyMappingTest10", [("", I)]),
    ("4.11.11", "InvalidSelfIssuedinhibitPolicyMappingTest11", [("", I)]),
    # 4.12 Inhibit Any Policy
    ("4.12.1", "InvalidinhibitAnyPolicyTest1", [("", I)]),
    ("4.12.2", "ValidinhibitAnyPolicyTest2", [("", V)]),
    ("4.12.3", "inhibitAnyPolicyTest3", [("", V), ("A", I)]),
    ("4.12.4", "InvalidinhibitAnyPolicyTest4", [("", I)]),
    ("4.12.5", "InvalidinhibitAnyPolicyTest5", [("", I)]),
    ("4.12.6", "InvalidinhibitAnyPolicyTest6", [("", I)]),
    ("4.12.7", "ValidSelfIssuedinhibitAnyPolicyTest7", [("", V)]),
    ("4.12.8", "InvalidSelfIssuedinhibitAnyPolicyTest8", [("", I)]),
    ("4.12.9", "ValidSelfIssuedinhibitAnyPolicyTest9", [("", V)]),
    ("4.12.10", "InvalidSelfIssuedinhibitAnyPolicyTest10", [("", I)]),
    # 4.13 Name Constraints
    ("4.13.1", "ValidDNnameConstraintsTest1", [("", V)]),
    ("4.13.2", "InvalidDNnameConstraintsTest2", [("", I)]),
    ("4.13.3", "InvalidDNnameConstraintsTest3", [("", I)]),
    ("4.13.4", "ValidDNnameConstraintsTest4", [("", V)]),
    ("4.13.5", "ValidDNnameConstraintsTest5", [("", V)]),
    ("4.13.6", "ValidDNnameConstraintsTest6", [("", V)]),
    ("4.13.7", "InvalidDNnameConstraintsTest7", [("", I)]),
    ("4.13.8", "InvalidDNnameConstraintsTest8", [("", I)]),
    ("4.13.9", "InvalidDNnameConstraintsTest9", [("", I)]),
    ("4.13.10", "InvalidDNnameConstraintsTest10", [("", I)]),
    ("4.13.11", "ValidDNnameConstraintsTest11", [("", V)]),
    ("4.13.12", "InvalidDNnameConstraintsTest12", [("", I)]),
    ("4.13.13", "InvalidDNnameConstraintsTest13", [("", I)]),
    ("4.13.14", "ValidDNnameConstraintsTest14", [("", V)]),
    ("4.13.15", "InvalidDNnameConstraintsTest15", [("", I)]),
    ("4.13.16", "InvalidDNnameConstraintsTest16", [("", I)]),
    ("4.13.17", "InvalidDNnameConstraintsTest17", [("", I)]),
    ("4.13.18", "ValidDNnameConstraintsTest18", [("", V)]),
    ("4.13.19", "ValidDNnameConstraintsTest19", [("", V)]),
    ("4.13.20", "InvalidDNnameConstraintsTest20", [("", I)]),
    ("4.13.21", "ValidRFC822nameConstraintsTest21", [("", V)]),
    ("4.13.22", "InvalidRFC822nameConstraintsTest22", [("", I)]),
    ("4.13.23", "ValidRFC822nameConstraintsTest23", [("", V)]),
    ("4.13.24", "InvalidRFC822nameConstraintsTest24", [("", I)]),
    ("4.13.25", "ValidRFC822nameConstraintsTest25", [("", V)]),
    ("4.13.26", "InvalidRFC822nameConstraintsTest26", [("", I)]),
    ("4.13.27", "ValidDNandRFC822nameConstraintsTest27", [("", V)]),
    ("4.13.28", "InvalidDNandRFC822nameConstraintsTest28", [("", I)]),
    ("4.13.29", "InvalidDNandRFC822nameConstraintsTest29", [("", I)]),
    ("4.13.30", "ValidDNSnameConstraintsTest30", [("", V)]),
    ("4.13.31", "InvalidDNSnameConstraintsTest31", [("", I)]),
    ("4.13.32", "ValidDNSnameConstraintsTest32", [("", V)]),
    ("4.13.33", "InvalidDNSnameConstraintsTest33", [("", I)]),
    ("4.13.34", "ValidURInameConstraintsTest34", [("", V)]),
    ("4.13.35", "InvalidURInameConstraintsTest35", [("", I)]),
    ("4.13.36", "ValidURInameConstraintsTest36", [("", V)]),
    ("4.13.37", "InvalidURInameConstraintsTest37", [("", I)]),
    ("4.13.38", "InvalidDNSnameConstraintsTest38", [("", I)]),
    # 4.14 Distribution Points
    ("4.14.1", "ValiddistributionPointTest1", [("", V)]),
    ("4.14.2", "InvaliddistributionPointTest2", [("", I)]),
    ("4.14.3", "InvaliddistributionPointTest3", [("", I)]),
    ("4.14.4", "ValiddistributionPointTest4", [("", V)]),
    ("4.14.5", "ValiddistributionPointTest5", [("", V)]),
    ("4.14.6", "InvaliddistributionPointTest6", [("", I)]),
    ("4.14.7", "ValiddistributionPointTest7", [("", V)]),
    ("4.14.8", "InvaliddistributionPointTest8", [("", I)]),
    ("4.14.9", "InvaliddistributionPointTest9", [("", I)]),
    ("4.14.10", "ValidNoissuingDistributionPointTest10", [("", V)]),
    ("4.14.11", "InvalidonlyContainsUserCertsTest11", [("", I)]),
    ("4.14.12", "InvalidonlyContainsCACertsTest12", [("", I)]),
    ("4.14.13", "ValidonlyContainsCACertsTest13", [("", V)]),
    ("4.14.14", "InvalidonlyContainsAttributeCertsTest14", [("", I)]),
    ("4.14.15", "InvalidonlySomeReasonsTest15", [("", I)]),
    ("4.14.16", "InvalidonlySomeReasonsTest16", [("", I)]),
    ("4.14.17", "InvalidonlySomeReasonsTest17", [("", I)]),
    ("4.14.18", "ValidonlySomeReasonsTest18", [("", V)]),
    ("4.14.19", "ValidonlySomeReasonsTest19", [("", V)]),
    ("4.14.20", "InvalidonlySomeReasonsTest20", [("", I)]),
    ("4.14.21", "InvalidonlySomeReasonsTest21", [("", I)]),
    ("4.14.22", "ValidIDPwithindirectCRLTest22", [("", V)]),
    ("4.14.23", "InvalidIDPwithindirectCRLTest23", [("", I)]),
    ("4.14.24", "ValidIDPwithindirectCRLTest24", [("", V)]),
    ("4.14.25", "ValidIDPwithindirectCRLTest25", [("", V)]),
    ("4.14.26", "InvalidIDPwithindirectCRLTest26", [("", I)]),
    ("4.14.27", "InvalidcRLIssuerTest27", [("", I)]),
    ("4.14.28", "ValidcRLIssuerTest28", [("", V)]),
    ("4.14.29", "ValidcRLIssuerTest29", [("", V)]),
    ("4.14.30", "ValidcRLIssuerTest30", [("", V)]),
    ("4.14.31", "InvalidcRLIssuerTest31", [("", I)]),
    ("4.14.32", "InvalidcRLIssuerTest32", [("", I)]),
    ("4.14.33", "ValidcRLIssuerTest33", [("", V)]),
    ("4.14.34", "InvalidcRLIssuerTest34", [("", I)]),
    ("4.14.35", "InvalidcRLIssuerTest35", [("", I)]),
    # 4.15 Delta-CRLs
    ("4.15.1", "InvaliddeltaCRLIndicatorNoBaseTest1", [("", I)]),
    ("4.15.2", "ValiddeltaCRLTest2", [("", V)]),
    ("4.15.3", "InvaliddeltaCRLTest3", [("", I)]),
    ("4.15.4", "InvaliddeltaCRLTest4", [("", I)]),
    ("4.15.5", "ValiddeltaCRLTest5", [("", V)]),
    ("4.15.6", "InvaliddeltaCRLTest6", [("", I)]),
    ("4.15.7", "ValiddeltaCRLTest7", [("", V)]),
    ("4.15.8", "ValiddeltaCRLTest8", [("", V)]),
    ("4.15.9", "InvaliddeltaCRLTest9", [("", I)]),
    ("4.15.10", "InvaliddeltaCRLTest10", [("", I)]),
    # 4.16 Private Certificate Extensions
    ("4.16.1", "ValidUnknownNotCriticalCertificateExtensionTest1", [("", V)]),
    ("4.16.2", "InvalidUnknownCriticalCertificateExtensionTest2", [("", I)]),
]

SECTIONS = OrderedDict([
    ("4.1", "Signature Verification"),
    ("4.2", "Validity Periods"),
    ("4.3", "Verifying Name Chaining"),
    ("4.4", "Basic Certificate Revocation"),
    ("4.5", "Self-Issued Certificates"),
    ("4.6", "Basic Constraints"),
    ("4.7", "Key Usage"),
    ("4.8", "Certificate Policies"),
    ("4.9", "Require Explicit Policy"),
    ("4.10", "Policy Mappings"),
    ("4.11", "Inhibit Policy Mapping"),
    ("4.12", "Inhibit Any Policy"),
    ("4.13", "Name Constraints"),
    ("4.14", "Distribution Points"),
    ("4.15", "Delta-CRLs"),
    ("4.16", "Private Certificate Extensions"),
])


def settings_args(settings):
    """The `inkan verify chain` flags for a settings string such as "E P1 P2"."""
    args = []
    for tok in settings.split():
        if tok == "E":
            args.append("--require-explicit-policy")
        elif tok == "M":
            args.append("--inhibit-policy-mapping")
        elif tok == "A":
            args.append("--inhibit-any-policy")
        elif tok.startswith("P"):
            args += ["--policy", POLICY.format(int(tok[1:]))]
        else:
            raise ValueError(f"unknown setting {tok!r}")
    return args


def find_inkan(repo, given):
    if given:
        return given
    target = Path(os.environ.get("CARGO_TARGET_DIR", repo / "target"))
    if not target.is_absolute():
        target = repo / target
    found = [b for b in (target / "debug" / "inkan", target / "release" / "inkan") if b.exists()]
    return str(max(found, key=lambda b: b.stat().st_mtime)) if found else None


def main():
    repo = Path(__file__).resolve().parent.parent.parent
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", nargs="?", help="PKITS directory (certs/, crls/)")
    ap.add_argument("--inkan", help="the inkan binary [default: built one in the target dir]")
    ap.add_argument("--section", action="append", help="run only these sections (e.g. 4.8)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every run")
    a = ap.parse_args()

    data = a.data or os.environ.get("INKAN_PKITS_DIR") or str(repo / ".." / "shared" / "vectors" / "pkits")
    data = Path(data)
    certs, crls = data / "certs", data / "crls"
    anchor = certs / "TrustAnchorRootCertificate.crt"
    if not anchor.exists() or not crls.is_dir():
        print(f"pkits: skipped: no PKITS data at {data} (want certs/TrustAnchorRootCertificate.crt "
              "and crls/); pass the directory or set INKAN_PKITS_DIR")
        return 0
    inkan = find_inkan(repo, a.inkan)
    if not inkan:
        print("pkits: no inkan binary; run `cargo build -p inkan` or pass --inkan", file=sys.stderr)
        return 2

    # Directories: `inkan verify chain` skips what does not parse in a directory (PKITS has
    # one CRL with a deliberately broken signature BIT STRING), where a named file would be
    # an error of its own.
    base = ["verify", "chain", "--trust-anchor", str(anchor), "--at", AT,
            "--intermediate", str(certs), "--crl", str(crls)]

    per = OrderedDict((s, [0, 0]) for s in SECTIONS)
    failures = []
    dsa = []
    for num, stem, runs in TESTS:
        sec = num.rsplit(".", 1)[0]
        if a.section and sec not in a.section:
            continue
        leaf = certs / f"{stem}EE.crt"
        for i, (settings, want) in enumerate(runs):
            rid = num if len(runs) == 1 else f"{num}.{i + 1}"
            per[sec][1] += 1
            if not leaf.exists():
                failures.append((rid, stem, settings, want, None, "missing file"))
                continue
            cmd = [inkan, "--json"] + base + settings_args(settings) + [str(leaf)]
            r = subprocess.run(cmd, capture_output=True, text=True)
            try:
                out = json.loads(r.stdout.strip().splitlines()[-1])
                got = bool(out.get("valid")) and r.returncode == 0
                err = out.get("error") or {}
                why = f"{err.get('code', '')}: {err.get('message', '')}" if err else ""
            except (ValueError, IndexError):
                got, why, err = None, f"exit {r.returncode}: {r.stderr.strip()[:200]}", {}
            ok = got == want
            if ok:
                per[sec][0] += 1
            elif rid in DSA_VALID and got is False and err.get("code") == "unsupported-algorithm":
                dsa.append((rid, stem))
            else:
                failures.append((rid, stem, settings, want, got, why))
            if a.verbose:
                print(f"{'ok  ' if ok else 'FAIL'} {rid:10} {stem} [{settings or 'default'}] "
                      f"want {'valid' if want else 'invalid'}, got "
                      f"{'valid' if got else 'invalid'} {why}")

    total_ok = sum(p for p, _ in per.values())
    total = sum(n for _, n in per.values())
    print(f"{'section':8} {'title':32} passed")
    for sec, (p, n) in per.items():
        if n:
            print(f"{sec:8} {SECTIONS[sec]:32} {p:3}/{n:<3}")
    print(f"{'all':8} {'':32} {total_ok:3}/{total:<3}")
    if dsa:
        print(f"\nnot supported (DSA, answered unsupported-algorithm as required): "
              f"{', '.join(f'{rid} {stem}' for rid, stem in dsa)}")
    if failures:
        print("\nfailures:")
        for rid, stem, settings, want, got, why in failures:
            g = "error" if got is None else ("valid" if got else "invalid")
            print(f"  {rid:10} {stem} [{settings or 'default'}]: want "
                  f"{'valid' if want else 'invalid'}, got {g} {why}")
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
