{{/* The name every object of the release starts with. */}}
{{- define "gateway-doctor.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels every object carries. */}}
{{- define "gateway-doctor.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/*
The Redis connection as environment variables: REDIS_PASSWORD from the bundled chart's Secret and STORAGE /
REDIS_URL built from it (Kubernetes expands $(REDIS_PASSWORD) inside later values), or the external URL.
*/}}
{{- define "gateway-doctor.redisEnv" -}}
{{- if .Values.redis.enabled }}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Release.Name }}-redis
      key: redis-password
- name: REDIS_URL
  value: "redis://:$(REDIS_PASSWORD)@{{ .Release.Name }}-redis-master:6379"
{{- else }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.externalRedis.urlSecret }}
      key: {{ .Values.externalRedis.urlSecretKey }}
{{- end }}
{{- end -}}
