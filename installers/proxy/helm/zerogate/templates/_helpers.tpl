{{- define "zerogate.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "zerogate.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "zerogate.selectorLabels" -}}
app.kubernetes.io/name: {{ include "zerogate.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "zerogate.labels" -}}
{{ include "zerogate.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* zerogate.yaml: the values' config with the paths and port the pod is built around. */}}
{{- define "zerogate.config" -}}
{{- $fixed := dict "dataDir" "/var/lib/zerogate/data" "server" (dict "listen" "0.0.0.0:8443") -}}
{{- toYaml (merge $fixed (deepCopy .Values.config)) -}}
{{- end -}}

{{/*
"true" when the pods share a PostgreSQL store (store.existingSecret) and take every key file from
keys.existingSecret: a pod then keeps nothing of its own on disk, so its data dir is an emptyDir
and pods can be added, replaced and rolled one by one.
*/}}
{{- define "zerogate.shared" -}}
{{- if and .Values.store.existingSecret .Values.keys.existingSecret -}}true{{- end -}}
{{- end -}}

{{/* The Secret whose key files the init container copies into the data dir, if any. */}}
{{- define "zerogate.keysSecret" -}}
{{- .Values.keys.existingSecret | default .Values.caSecret -}}
{{- end -}}

{{/* The config as the values give it: the chart's ConfigMap, or existingConfigSecret. */}}
{{- define "zerogate.configVolume" -}}
{{- if .Values.existingConfigSecret -}}
secret:
  secretName: {{ .Values.existingConfigSecret }}
  defaultMode: 0440
{{- else -}}
configMap:
  name: {{ include "zerogate.fullname" . }}
{{- end -}}
{{- end -}}

{{/*
The key files a pod must find in its keys Secret. Shared pods: those every proxy creates, plus
the embedded IdP's two when the values' config uses it (with existingConfigSecret the chart
cannot see the config: docs/install-proxy.md says to put every file the first node has).
Otherwise (a seed for one pod's volume): the CA.
*/}}
{{- define "zerogate.requiredKeys" -}}
{{- if include "zerogate.shared" . -}}
ca.pem ca.key session-signing-key.json console-cookie-key assertion-signing-key.json
{{- if and (not .Values.existingConfigSecret) (not (dig "identity" "oidc" "" (.Values.config | default dict))) }} idp-keys.json console-client-secret{{ end }}
{{- else -}}
ca.pem ca.key
{{- end -}}
{{- end -}}
