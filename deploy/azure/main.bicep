// Gateway Doctor on Azure: an Azure Bot with the Teams channel, a Container Apps environment running the bot
// (2+ replicas, no sticky sessions) and one probe worker, Azure Cache for Redis shared by all of them, and
// every secret as a Container Apps secret. Deploy: see deploy/README.md (az deployment group create ...).

@description('Where everything is created.')
param location string = resourceGroup().location

@description('Prefix of every resource name (lower-case letters and digits).')
@minLength(3)
@maxLength(16)
param namePrefix string = 'gwdoctor'

@description('The container image, e.g. ghcr.io/your-org/gateway-doctor:0.1.0.')
param containerImage string

@description('The Entra ID app registration\'s client id (the bot\'s MicrosoftAppId).')
param microsoftAppId string

@description('SingleTenant (recommended for new bots) or MultiTenant.')
@allowed([
  'SingleTenant'
  'MultiTenant'
])
param microsoftAppType string = 'SingleTenant'

@description('The tenant of a single-tenant app.')
param microsoftAppTenantId string = subscription().tenantId

@description('The app registration\'s client secret (MicrosoftAppPassword).')
@secure()
param microsoftAppPassword string

@description('Signs web chat tokens; the same on every replica (WEBCHAT_TOKEN_SECRET). At least 32 characters.')
@secure()
@minLength(32)
param webchatTokenSecret string

@description('Bearer token of the admin API (ADMIN_API_TOKEN). At least 16 characters.')
@secure()
@minLength(16)
param adminApiToken string

@description('The region name the probe worker reports (its --region); it runs in this deployment\'s location.')
param probeWorkerRegion string = 'azure-${location}'

@description('Bot replicas: at least 2 for rolling updates without downtime.')
@minValue(1)
param minReplicas int = 2

@maxValue(30)
param maxReplicas int = 6

@description('The port the bot listens on (PORT).')
param port int = 3978

var botAppName = '${namePrefix}-bot'
var redisName = '${namePrefix}-redis-${uniqueString(resourceGroup().id)}'

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${namePrefix}-logs'
  location: location
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
  }
}

resource redis 'Microsoft.Cache/redis@2024-03-01' = {
  name: redisName
  location: location
  properties: {
    sku: { name: 'Basic', family: 'C', capacity: 0 }
    enableNonSslPort: false
    minimumTlsVersion: '1.2'
    redisVersion: '6'
  }
}

// TLS only (port 6380): rediss://, the access key as the password.
var redisUrl = 'rediss://:${redis.listKeys().primaryKey}@${redis.properties.hostName}:6380'

resource environment 'Microsoft.App/managedEnvironments@2024-03-01' = {
  name: '${namePrefix}-env'
  location: location
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: logs.properties.customerId
        sharedKey: logs.listKeys().primarySharedKey
      }
    }
  }
}

var sharedSecrets = [
  { name: 'redis-url', value: redisUrl }
]

resource bot 'Microsoft.App/containerApps@2024-03-01' = {
  name: botAppName
  location: location
  properties: {
    managedEnvironmentId: environment.id
    configuration: {
      ingress: {
        external: true
        targetPort: port
        transport: 'auto'
        allowInsecure: false
        // Round robin over replicas; no session affinity (state and tokens are shared).
        stickySessions: { affinity: 'none' }
      }
      secrets: concat(sharedSecrets, [
        { name: 'app-password', value: microsoftAppPassword }
        { name: 'webchat-token-secret', value: webchatTokenSecret }
        { name: 'admin-api-token', value: adminApiToken }
      ])
    }
    template: {
      containers: [
        {
          name: 'bot'
          image: containerImage
          resources: { cpu: json('0.5'), memory: '1Gi' }
          env: [
            { name: 'PORT', value: string(port) }
            { name: 'STORAGE', secretRef: 'redis-url' }
            { name: 'MicrosoftAppId', value: microsoftAppId }
            { name: 'MicrosoftAppPassword', secretRef: 'app-password' }
            { name: 'MicrosoftAppType', value: microsoftAppType }
            { name: 'MicrosoftAppTenantId', value: microsoftAppTenantId }
            { name: 'WEBCHAT_TOKEN_SECRET', secretRef: 'webchat-token-secret' }
            { name: 'ADMIN_API_TOKEN', secretRef: 'admin-api-token' }
            { name: 'PUBLIC_URL', value: 'https://${botAppName}.${environment.properties.defaultDomain}' }
            // Container Apps' ingress is one proxy hop in front of the replicas.
            { name: 'TRUST_PROXY', value: '1' }
          ]
          probes: [
            {
              type: 'Liveness'
              httpGet: { path: '/healthz', port: port }
              periodSeconds: 10
            }
            {
              type: 'Readiness'
              httpGet: { path: '/readyz', port: port }
              periodSeconds: 5
            }
          ]
        }
      ]
      scale: {
        minReplicas: minReplicas
        maxReplicas: maxReplicas
        rules: [
          {
            name: 'http'
            http: { metadata: { concurrentRequests: '50' } }
          }
        ]
      }
    }
  }
}

resource worker 'Microsoft.App/containerApps@2024-03-01' = {
  name: '${namePrefix}-worker'
  location: location
  properties: {
    managedEnvironmentId: environment.id
    configuration: {
      secrets: sharedSecrets
    }
    template: {
      containers: [
        {
          name: 'probe-worker'
          image: containerImage
          command: [ 'node', 'dist/src/probe/worker/worker-cli.js', '--region', probeWorkerRegion ]
          resources: { cpu: json('0.25'), memory: '0.5Gi' }
          env: [
            { name: 'REDIS_URL', secretRef: 'redis-url' }
            { name: 'PROBE_TIMEOUT_MS', value: '4000' }
          ]
        }
      ]
      scale: { minReplicas: 1, maxReplicas: 1 }
    }
  }
}

resource azureBot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: '${namePrefix}-azure-bot'
  location: 'global'
  kind: 'azurebot'
  sku: { name: 'F0' }
  properties: {
    displayName: 'Gateway Doctor'
    endpoint: 'https://${bot.properties.configuration.ingress.fqdn}/api/messages'
    msaAppId: microsoftAppId
    msaAppType: microsoftAppType
    msaAppTenantId: microsoftAppType == 'SingleTenant' ? microsoftAppTenantId : null
  }
}

resource teams 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: azureBot
  name: 'MsTeamsChannel'
  location: 'global'
  properties: {
    channelName: 'MsTeamsChannel'
    properties: {
      isEnabled: true
    }
  }
}

@description('The bot\'s public address: messaging endpoint is this + /api/messages.')
output botUrl string = 'https://${bot.properties.configuration.ingress.fqdn}'
