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
