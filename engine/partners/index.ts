/**
 * Partners: who manages which tenants (ownership.ts), what a partner's plan may not do
 * (check.ts), its quotas (quotas.ts) and where its tenants' secrets may come from
 * (secret-policy.ts). Pure; the CLI scopes every command with these.
 */
export { checkPartner, type PartnerCheckInput } from './check.js';
export { describeTenants, findPartner, ownsTenant, partnerTenants, partnerView, type Partner, type PartnerLookup } from './ownership.js';
export {
  describeSecret, envRefusal, fileRefusal, isWithin, ownerOf, secretPolicy, type SecretDirectory, type SecretOwner, type SecretPolicy,
} from './secret-policy.js';
