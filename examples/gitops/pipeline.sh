#!/bin/sh
# netfirst GitOps pipeline: validate → plan on a pull request → apply on main.
#
# The tenant specs live in a git repository. Partners open pull requests that change
# their tenants' files; the pipeline plans exactly what the pull request touches and
# posts that plan as a comment; once merged, the pipeline applies main.
#
# Repository layout (any layout `netfirst plan DIR` reads works; this one is simple):
#
#   specs/zone.yaml             operator: the zone (pools, clusters, storage, templates)
#   specs/partners.yaml         operator: which partner manages which tenants, quotas
#   specs/<tenant>.yaml         partners: one file per tenant
#   specs/secrets/<partner>/... secret files referenced as { file: ... } (or use { env: ... }):
#                               each partner's tenants only from what its partners.yaml
#                               entry allows (secrets: { env: [...], files: [...] })
#   ci/pipeline.sh              this script
#   .github/workflows/netfirst.yml  or  .gitlab-ci.yml   calling it (samples in ci/ here)
#
# examples/iswest is such a specs directory: SPECS_DIR=examples/iswest ./pipeline.sh
# State: every run must reach the same state database (NETFIRST_STATE on the runner).
#
# Stages, chosen by CI_EVENT:
#   pull_request (or merge_request)
#       netfirst validate SPECS_DIR [--changed-since BASE_REF, for a partner]
#       netfirst plan SPECS_DIR --changed-since BASE_REF --markdown-out PLAN_MARKDOWN
#                    --detailed-exitcode            (as NETFIRST_PARTNER when it is set)
#     Only the tenants whose files differ from the merge base of BASE_REF and HEAD are
#     planned (plus those whose allocations they touch). The markdown file is written
#     even when the plan has errors, so the CI can post it; the CI job posts it as a
#     comment. Exit 0 when the plan has no changes or has changes (a pull request
#     with changes is the normal case), 1 on errors. With GITHUB_OUTPUT set, the
#     step outputs changes=true|false and plan=PLAN_MARKDOWN.
#   push
#       netfirst validate SPECS_DIR       (reported; it does not stop the apply)
#       netfirst apply SPECS_DIR --auto-approve --lock-timeout LOCK_TIMEOUT
#     A tenant whose spec has errors of its own is skipped by apply and every other
#     tenant is applied; the job then fails (exit 1). Zone-wide errors stop everything.
#     On MAIN_BRANCH only (a push elsewhere is planned, not applied). The whole spec
#     set is applied, not only the last commit's tenants: apply is level-based, so a
#     failed or skipped earlier run is caught up. Tenants whose files were deleted are
#     destroyed only with PRUNE=1.
#
# Environment:
#   CI_EVENT        pull_request | merge_request | push           (required)
#   BASE_REF        revision a pull request is compared with       (default origin/main;
#                   the CI must have fetched it: git fetch origin main)
#   MAIN_BRANCH     the branch that is applied                     (default main)
#   CI_BRANCH       the branch being built, for push events        (default: git's current branch)
#   SPECS_DIR       the specs directory                            (default specs)
#   PLAN_MARKDOWN   where the pull-request comment is written      (default netfirst-plan.md)
#   LOCK_TIMEOUT    how long apply waits for another run's lock    (default 10m)
#   PRUNE           1 to destroy tenants whose spec file is gone   (default 0)
#   NETFIRST        the netfirst command                           (default netfirst)
#   NETFIRST_STATE  the state database shared by all runs (read by netfirst itself)
#   NETFIRST_PARTNER  the partner whose pull request this is: its change is judged as a
#                   whole against the merge base (see README, Partners and quotas); set it
#                   from a mapping the operator keeps outside the branch (CI variables)
#   REQUIRE_PARTNER 1: refuse a pull request with no NETFIRST_PARTNER (repositories where
#                   only partners open pull requests)                (default 0)
#
# Nothing from the specs or the pull request reaches a shell: values are passed to
# netfirst as arguments, and netfirst runs git with argument arrays.
set -eu

: "${CI_EVENT:?set CI_EVENT to pull_request, merge_request or push}"
BASE_REF=${BASE_REF:-origin/main}
MAIN_BRANCH=${MAIN_BRANCH:-main}
SPECS_DIR=${SPECS_DIR:-specs}
PLAN_MARKDOWN=${PLAN_MARKDOWN:-netfirst-plan.md}
LOCK_TIMEOUT=${LOCK_TIMEOUT:-10m}
PRUNE=${PRUNE:-0}
NETFIRST=${NETFIRST:-netfirst}

# NETFIRST may be a command with arguments ("npx netfirst"): split it, never glob it.
set -f
nf() {
  # shellcheck disable=SC2086
  $NETFIRST "$@"
}

stage() {
  printf '\n=== %s ===\n' "$*"
}

output() {
  if [ -n "${GITHUB_OUTPUT:-}" ]; then printf '%s\n' "$1" >>"$GITHUB_OUTPUT"; fi
}

validate() {
  stage "validate $SPECS_DIR"
  nf validate "$SPECS_DIR"
}

# A partner's pull request is judged as a whole: every file it adds, changes or deletes
# must be one the partner may write, and ownership, quotas, zones and secret policy are
# the merge base's (a partner cannot grant itself anything in its own branch).
validate_change() {
  if [ -n "${NETFIRST_PARTNER:-}" ]; then
    stage "validate the change of partner $NETFIRST_PARTNER since $BASE_REF"
    nf validate "$SPECS_DIR" --changed-since "$BASE_REF"
  else
    validate
  fi
}

plan_pull_request() {
  stage "plan changes since $BASE_REF"
  set +e
  nf plan "$SPECS_DIR" --changed-since "$BASE_REF" --markdown-out "$PLAN_MARKDOWN" --detailed-exitcode
  code=$?
  set -e
  output "plan=$PLAN_MARKDOWN"
  case $code in
    0)
      output 'changes=false'
      printf '\nNo changes: %s says so for the comment.\n' "$PLAN_MARKDOWN"
      ;;
    2)
      output 'changes=true'
      printf '\nThe pull request changes infrastructure: %s holds the plan for the comment.\n' "$PLAN_MARKDOWN"
      ;;
    *)
      output 'changes=error'
      printf '\nThe plan failed (exit %s)%s\n' "$code" "$([ -s "$PLAN_MARKDOWN" ] && printf ': %s says why' "$PLAN_MARKDOWN")" >&2
      return 1
      ;;
  esac
}

apply_main() {
  branch=${CI_BRANCH:-$(git rev-parse --abbrev-ref HEAD 2>/dev/null || echo '')}
  if [ "$branch" != "$MAIN_BRANCH" ]; then
    stage "plan (branch $branch is not $MAIN_BRANCH: nothing is applied)"
    nf plan "$SPECS_DIR"
    return
  fi
  stage "apply $MAIN_BRANCH"
  if [ "$PRUNE" = 1 ]; then
    nf apply "$SPECS_DIR" --auto-approve --lock-timeout "$LOCK_TIMEOUT" --prune
  else
    nf apply "$SPECS_DIR" --auto-approve --lock-timeout "$LOCK_TIMEOUT"
  fi
}

case $CI_EVENT in
  pull_request | merge_request)
    if [ "${REQUIRE_PARTNER:-0}" = 1 ] && [ -z "${NETFIRST_PARTNER:-}" ]; then
      printf 'REQUIRE_PARTNER=1: this pull request has no partner (NETFIRST_PARTNER): refused\n' >&2
      exit 1
    fi
    validate_change
    plan_pull_request
    ;;
  push)
    # On main, one tenant's broken spec must not hold back the others: validate reports
    # it, and apply skips that tenant, applies the rest, and fails the job (exit 1).
    set +e
    validate
    validated=$?
    set -e
    apply_main
    [ "$validated" -eq 0 ] || exit 1
    ;;
  *)
    printf 'CI_EVENT must be pull_request, merge_request or push, not %s\n' "$CI_EVENT" >&2
    exit 64
    ;;
esac
