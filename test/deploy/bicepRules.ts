import type { Node } from 'web-tree-sitter';
import {
  appSettingsSetBy,
  BicepFile,
  BicepResource,
  decoratorsOf,
  descendants,
  propertyName,
  properties,
  stringValue,
  valueAt,
} from './bicep';

/**
 * Lint rules over parsed Bicep: what the deployment must hold (docs/operations.md), checkable without a Bicep compiler. Each rule
 * returns its findings as `file:line message`; bicepRules.test.ts runs them over infra/ (none expected) and over
 * planted violations (each must fire).
 */
export type Rule = (file: BicepFile) => string[];

const at = (file: BicepFile, node: Node, message: string) => `${file.path}:${node.startPosition.row + 1} ${message}`;

/** Names that hold secrets; `keyVaultName`-like names do not end this way. */
const SECRET_NAME = /(password|secret|token|connectionString|accessKey|apiKey|accountKey|sharedKey|sasToken)s?$/i;
/**
 * Application Insights' connection string only addresses the component once local auth is disabled (the
 * localAuthDisabled rule); ingestion then needs the app's identity, so it may pass through parameters and outputs.
 */
const isSecretName = (name: string) =>
  SECRET_NAME.test(name) && !/^applicationInsights_?connection_?string$/i.test(name);

function literal(node: Node | undefined): string | undefined {
  if (!node) return undefined;
  return node.type === 'string' ? stringValue(node) : node.text;
}

/** Findings for `resource` (new, not `existing`) when the property at `path` is not one of `allowed`. */
function expectProperty(file: BicepFile, resource: BicepResource, path: string, allowed: string[]): string[] {
  const actual = literal(valueAt(resource.body, path));
  return allowed.includes(actual ?? '')
    ? []
    : [
        at(
          file,
          resource.node,
          `${resource.symbol}: ${path} must be ${allowed.join(' or ')}, is ${actual ?? 'not set'}`,
        ),
      ];
}

function created(file: BicepFile, type: string): BicepResource[] {
  return file.resources.filter((r) => r.type.toLowerCase() === type.toLowerCase() && !r.existing);
}

export const apiVersionsPinned: Rule = (file) =>
  file.resources
    .filter((r) => !/^\d{4}-\d{2}-\d{2}$/.test(r.apiVersion ?? ''))
    .map((r) =>
      at(file, r.node, `${r.symbol}: API version must be a pinned stable date, is ${r.apiVersion ?? 'missing'}`),
    );

export const secretParametersSecure: Rule = (file) =>
  descendants(file.root, 'parameter_declaration').flatMap((p) => {
    const name = p.namedChildren[0]!.text;
    const secure = decoratorsOf(p).includes('secure');
    const hasDefault = p.namedChildren.length > 2;
    if (isSecretName(name) && !secure) return [at(file, p, `parameter ${name} holds a secret and needs @secure()`)];
    if (secure && hasDefault) return [at(file, p, `secure parameter ${name} must not have a default value`)];
    return [];
  });

const calledName = (call: Node) => (call.childForFieldName('function')?.text ?? '').split('.').pop()!;

export const noKeys: Rule = (file) => [
  // listKeys(), listConnectionStrings(), listAccountSas(), … and resource.listKeys(): every list* returns secrets.
  ...descendants(file.root, 'call_expression')
    .filter((c) => /^list/i.test(calledName(c)))
    .map((c) => at(file, c, `${calledName(c)}() reads keys or secrets; use the managed identity instead`)),
  ...descendants(file.root, 'string')
    .filter((s) => /AccountKey=|accesskey=|SharedAccessKey=|SharedAccessSignature=/i.test(s.text))
    .map((s) => at(file, s, 'a keyed connection string; use identity-based settings')),
];

export const noSecretOutputs: Rule = (file) => {
  const secureParams = new Set(
    descendants(file.root, 'parameter_declaration')
      .filter((p) => decoratorsOf(p).includes('secure'))
      .map((p) => p.namedChildren[0]!.text),
  );
  return descendants(file.root, 'output_declaration').flatMap((o) => {
    const name = o.namedChildren[0]!.text;
    const value = o.namedChildren[o.namedChildren.length - 1]!;
    const refs = [value, ...descendants(value, 'identifier')].filter((n) => n.type === 'identifier').map((n) => n.text);
    if (isSecretName(name))
      return [at(file, o, `output ${name} looks like a secret; outputs land in .azure/<env>/.env`)];
    if (decoratorsOf(o).includes('secure'))
      return [at(file, o, `output ${name} is @secure(); outputs must be addresses, not secrets`)];
    const leaked = refs.filter((r) => secureParams.has(r));
    return leaked.length ? [at(file, o, `output ${name} exposes secure parameter ${leaked.join(', ')}`)] : [];
  });
};

export const functionAppHardened: Rule = (file) =>
  created(file, 'Microsoft.Web/sites').flatMap((site) => [
    ...expectProperty(file, site, 'properties.httpsOnly', ['true']),
    ...expectProperty(file, site, 'properties.siteConfig.minTlsVersion', ['1.2', '1.3']),
    ...expectProperty(file, site, 'properties.functionAppConfig.runtime.name', ['node']),
    // Azure's Node 22 is what the packaged app is tested on (test/deploy/packagedApp.test.ts).
    ...expectProperty(file, site, 'properties.functionAppConfig.runtime.version', ['22']),
  ]);

/**
 * Microsoft Learn, "App settings reference for Azure Functions" § Flex Consumption plan deprecations
 * (https://learn.microsoft.com/azure/azure-functions/functions-app-settings#flex-consumption-plan-deprecations):
 * on Flex these app settings are replaced by `functionAppConfig` or not valid, and these site properties are not
 * supported — newer regions reject a site carrying one (ARM error 51021 for `ftpsState`). This repository deploys
 * to Flex only (functionAppHardened requires `functionAppConfig.runtime`), so every site and app setting is held to it.
 */
export const FLEX_UNSUPPORTED_APP_SETTINGS = [
  'ENABLE_ORYX_BUILD',
  'FUNCTIONS_EXTENSION_VERSION',
  'FUNCTIONS_WORKER_RUNTIME',
  'FUNCTIONS_WORKER_RUNTIME_VERSION',
  'FUNCTIONS_MAX_HTTP_CONCURRENCY',
  'FUNCTIONS_WORKER_PROCESS_COUNT',
  'FUNCTIONS_WORKER_DYNAMIC_CONCURRENCY_ENABLED',
  'SCM_DO_BUILD_DURING_DEPLOYMENT',
  'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING',
  'WEBSITE_CONTENTOVERVNET',
  'WEBSITE_CONTENTSHARE',
  'WEBSITE_DNS_SERVER',
  'WEBSITE_MAX_DYNAMIC_APPLICATION_SCALE_OUT',
  'WEBSITE_NODE_DEFAULT_VERSION',
  'WEBSITE_RUN_FROM_PACKAGE',
  'WEBSITE_SKIP_CONTENTSHARE_VALIDATION',
  'WEBSITE_VNET_ROUTE_ALL',
];
export const FLEX_UNSUPPORTED_SITE_PROPERTIES = [
  'alwaysOn',
  'containerSize',
  'ftpsState',
  'isReserved',
  'isXenon',
  'javaVersion',
  'linuxFxVersion',
  'netFrameworkVersion',
  'powerShellVersion',
  'functionAppScaleLimit',
  'preWarmedInstanceCount',
  'use32BitWorkerProcess',
  'vnetBackupRestoreEnabled',
  'vnetContentShareEnabled',
  'vnetImagePullEnabled',
  'vnetRouteAllEnabled',
  'windowsFxVersion',
];

/** Azure treats app setting and property names case-insensitively, and Learn's table mixes cases. */
const listed = (names: string[]) => new Set(names.map((n) => n.toLowerCase()));
const unsupportedSetting = listed(FLEX_UNSUPPORTED_APP_SETTINGS);
const unsupportedProperty = listed(FLEX_UNSUPPORTED_SITE_PROPERTIES);

/** The objects a site's properties may sit in: the site's `properties` and `siteConfig`, and a 'web' config resource. */
function siteConfigObjects(file: BicepFile): Node[] {
  const sites = created(file, 'Microsoft.Web/sites').flatMap((s) => [
    valueAt(s.body, 'properties'),
    valueAt(s.body, 'properties.siteConfig'),
  ]);
  const web = created(file, 'Microsoft.Web/sites/config')
    .filter((c) => stringValue(valueAt(c.body, 'name')) === 'web')
    .map((c) => valueAt(c.body, 'properties'));
  return [...sites, ...web].filter((o): o is Node => o?.type === 'object');
}

export const flexConsumptionSupported: Rule = (file) => [
  ...appSettingsSetBy(file)
    .filter((s) => unsupportedSetting.has(s.name.toLowerCase()))
    .map((s) =>
      at(
        file,
        s.node,
        `app setting ${s.name} is not supported on Flex Consumption; functionAppConfig carries runtime, scale and deployment`,
      ),
    ),
  ...siteConfigObjects(file).flatMap((o) =>
    properties(o)
      .filter((p) => unsupportedProperty.has(propertyName(p).toLowerCase()))
      .map((p) => at(file, p, `site property ${propertyName(p)} is not supported on Flex Consumption`)),
  ),
];

export const storageLockedDown: Rule = (file) =>
  created(file, 'Microsoft.Storage/storageAccounts').flatMap((account) => [
    ...expectProperty(file, account, 'properties.allowSharedKeyAccess', ['false']),
    ...expectProperty(file, account, 'properties.allowBlobPublicAccess', ['false']),
    ...expectProperty(file, account, 'properties.minimumTlsVersion', ['TLS1_2', 'TLS1_3']),
    ...expectProperty(file, account, 'properties.supportsHttpsTrafficOnly', ['true']),
  ]);

export const keyVaultRbacOnly: Rule = (file) =>
  created(file, 'Microsoft.KeyVault/vaults').flatMap((vault) => [
    ...expectProperty(file, vault, 'properties.enableRbacAuthorization', ['true']),
    ...expectProperty(file, vault, 'properties.enableSoftDelete', ['true']),
    ...(valueAt(vault.body, 'properties.accessPolicies')
      ? [at(file, vault.node, `${vault.symbol}: access policies bypass RBAC; grant roles instead`)]
      : []),
  ]);

export const localAuthDisabled: Rule = (file) => [
  ...created(file, 'Microsoft.Insights/components').flatMap((c) =>
    expectProperty(file, c, 'properties.DisableLocalAuth', ['true']),
  ),
  ...created(file, 'Microsoft.OperationalInsights/workspaces').flatMap((w) =>
    expectProperty(file, w, 'properties.features.disableLocalAuth', ['true']),
  ),
  ...created(file, 'Microsoft.Communication/communicationServices').flatMap((c) =>
    expectProperty(file, c, 'properties.disableLocalAuth', ['true']),
  ),
];

/** Where each role may be granted : storage roles on the account, not a container or the group. */
export const ROLE_SCOPES: Record<string, string> = {
  storageBlobDataOwner: 'Microsoft.Storage/storageAccounts',
  storageTableDataContributor: 'Microsoft.Storage/storageAccounts',
  storageQueueDataContributor: 'Microsoft.Storage/storageAccounts',
  keyVaultSecretsUser: 'Microsoft.KeyVault/vaults',
  keyVaultSecretsOfficer: 'Microsoft.KeyVault/vaults',
  monitoringMetricsPublisher: 'Microsoft.Insights/components',
  communicationAndEmailServiceOwner: 'Microsoft.Communication/communicationServices',
};

/** The roles a file grants: every `roles.<name>` it mentions (role ids come only from infra/app/roles.bicep). */
export function rolesNamed(file: BicepFile): { name: string; node: Node }[] {
  return descendants(file.root, 'member_expression')
    .filter((m) => m.childForFieldName('object')?.text === 'roles')
    .map((m) => ({ name: m.childForFieldName('property')!.text, node: m }));
}

export const roleAssignmentsScoped: Rule = (file) => {
  const assignments = created(file, 'Microsoft.Authorization/roleAssignments');
  const findings = assignments.flatMap((a) => {
    const scope = valueAt(a.body, 'scope');
    const target = file.resources.find((r) => r.symbol === scope?.text);
    if (!target)
      return [at(file, a.node, `${a.symbol}: a role assignment needs a scope: naming a resource of this file`)];
    return rolesNamed(file)
      .filter((role) => ROLE_SCOPES[role.name] !== target.type)
      .map((role) =>
        at(
          file,
          role.node,
          `${role.name} must be granted at ${ROLE_SCOPES[role.name] ?? 'no scope (unknown role)'}, not ${target.type}`,
        ),
      );
  });
  // A role id written anywhere else would bypass the table that the ids are checked against.
  const literalIds = descendants(file.root, 'string').filter((s) =>
    /^'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'$/i.test(s.text),
  );
  if (!/roles\.bicep$/.test(file.path))
    findings.push(...literalIds.map((s) => at(file, s, `role id ${s.text} must come from roles.bicep`)));
  return findings;
};

export const RULES: Record<string, Rule> = {
  apiVersionsPinned,
  secretParametersSecure,
  noKeys,
  noSecretOutputs,
  functionAppHardened,
  flexConsumptionSupported,
  storageLockedDown,
  keyVaultRbacOnly,
  localAuthDisabled,
  roleAssignmentsScoped,
};

/** The role table in roles.bicep, by name. */
export function roleTable(rolesFile: BicepFile): Record<string, string> {
  const table = descendants(rolesFile.root, 'variable_declaration').find((v) => v.namedChildren[0]!.text === 'roles')!
    .namedChildren[1]!;
  return Object.fromEntries(properties(table).map((p) => [propertyName(p), stringValue(p.namedChildren[1]!) ?? '']));
}
