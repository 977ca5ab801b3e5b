{{- define "pocdex-observability.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels common to every object (Kubernetes' recommended app.kubernetes.io/* set). */}}
{{- define "pocdex-observability.labels" -}}
helm.sh/chart: {{ include "pocdex-observability.chart" . }}
app.kubernetes.io/name: pocdex-observability
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: pocdex
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}
