/**
 * Partners: who manages which tenants (ownership.ts), what a partner's plan may not do
 * (check.ts) and its quotas (quotas.ts). Pure; the CLI scopes every command with these.
 */
export { checkPartner, type PartnerCheckInput } from './check.js';
export { describeTenants, findPartner, ownsTenant, partnerTenants, partnerView, type Partner, type PartnerLookup } from './ownership.js';
