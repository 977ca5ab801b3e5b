{{/*
Names: every object of a release is named after its service (pocdex-<service>[-<part>]),
so that the other services' NetworkPolicies and URLs can name it.
*/}}
{{- define "pocdex.name" -}}
{{- printf "pocdex-%s" (required "service is required (accounts, pocs, dojo or media)" .Values.service) -}}
{{- end -}}

{{- define "pocdex.serviceAccountName" -}}
{{- default (include "pocdex.name" .) .Values.serviceAccount.name -}}
{{- end -}}

{{- define "pocdex.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels common to every object (Kubernetes' recommended app.kubernetes.io/* set). */}}
{{- define "pocdex.labels" -}}
helm.sh/chart: {{ include "pocdex.chart" . }}
app.kubernetes.io/name: {{ include "pocdex.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | trunc 63 | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: pocdex
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Selector of one component: include "pocdex.selectorLabels" (list . "web") */}}
{{- define "pocdex.selectorLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ include "pocdex.name" $root }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{/* A Deployment's annotations: the common ones, and the Secret whose change rolls its pods. */}}
{{- define "pocdex.deploymentAnnotations" -}}
{{- $annotations := deepCopy (default dict .Values.commonAnnotations) -}}
{{- if and .Values.reloadOnSecretChange .Values.externalSecret.env -}}
{{- $_ := set $annotations "secret.reloader.stakater.com/reload" (include "pocdex.name" .) -}}
{{- end -}}
{{- with $annotations }}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* The image: a tag is required and latest is refused. */}}
{{- define "pocdex.image" -}}
{{- $repo := required "image.repository is required (Compute.<Service>RepositoryUri)" .Values.image.repository -}}
{{- $tag := toString (required "image.tag is required: tag images by commit" .Values.image.tag) -}}
{{- if eq (lower $tag) "latest" -}}
{{- fail "image.tag must not be latest: tag images by commit (the repositories' tags are immutable)" -}}
{{- end -}}
{{- if .Values.image.digest -}}
{{- printf "%s:%s@%s" $repo $tag .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" $repo $tag -}}
{{- end -}}
{{- end -}}

{{/*
Substitution of ${Stack.Output} (from stackOutputs), ${name} (from stageValues) and
${stage}/${domain}/${service}/${namespace}/${imageTag} in a
string: include "pocdex.subst" (list . $value). A reference left unresolved fails the render.
*/}}
{{- define "pocdex.subst" -}}
{{- $root := index . 0 -}}
{{- $out := toString (index . 1) -}}
{{- $out = replace "${stage}" (required "stage is required (staging or prod)" $root.Values.stage) $out -}}
{{- $out = replace "${domain}" (toString $root.Values.domain) $out -}}
{{- $out = replace "${service}" $root.Values.service $out -}}
{{- $out = replace "${namespace}" $root.Release.Namespace $out -}}
{{- $out = replace "${imageTag}" (toString $root.Values.image.tag) $out -}}
{{- range $key, $value := $root.Values.stageValues -}}
{{- $out = replace (printf "${%s}" $key) (toString $value) $out -}}
{{- end -}}
{{- range $key, $value := $root.Values.stackOutputs -}}
{{- $out = replace (printf "${%s}" $key) (toString $value) $out -}}
{{- end -}}
{{- if contains "${" $out -}}
{{- fail (printf "unresolved reference in %q: add the output to stackOutputs" $out) -}}
{{- end -}}
{{- $out -}}
{{- end -}}

{{/* Pod-level fields every pod shares. */}}
{{- define "pocdex.podCommon" -}}
serviceAccountName: {{ include "pocdex.serviceAccountName" . }}
automountServiceAccountToken: false
enableServiceLinks: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- end -}}

{{/* Spread over zones and nodes: include "pocdex.topologySpread" (list . "web") */}}
{{- define "pocdex.topologySpread" -}}
{{- $root := index . 0 -}}
{{- $component := index . 1 -}}
topologySpreadConstraints:
  - maxSkew: {{ $root.Values.topologySpread.maxSkew }}
    topologyKey: topology.kubernetes.io/zone
    whenUnsatisfiable: {{ $root.Values.topologySpread.zoneWhenUnsatisfiable }}
    labelSelector:
      matchLabels:
        {{- include "pocdex.selectorLabels" (list $root $component) | nindent 8 }}
  - maxSkew: {{ $root.Values.topologySpread.maxSkew }}
    topologyKey: kubernetes.io/hostname
    whenUnsatisfiable: {{ $root.Values.topologySpread.hostWhenUnsatisfiable }}
    labelSelector:
      matchLabels:
        {{- include "pocdex.selectorLabels" (list $root $component) | nindent 8 }}
{{- end -}}

{{/* Volumes: /tmp, the only writable path (the image ships the RDS certificate bundle). */}}
{{- define "pocdex.volumes" -}}
volumes:
  - name: tmp
    emptyDir:
      sizeLimit: {{ .Values.tmpSizeLimit }}
{{- end -}}

{{- define "pocdex.volumeMounts" -}}
volumeMounts:
  - name: tmp
    mountPath: /tmp
{{- end -}}

{{/*
A container's environment: the ConfigMap and the Secret of the release (or of the
migration hook: include "pocdex.env" (list . "-migrate")), then the pod IP and ALLOWED_HOSTS.
*/}}
{{- define "pocdex.env" -}}
{{- $root := index . 0 -}}
{{- $suffix := index . 1 -}}
envFrom:
  - configMapRef:
      name: {{ include "pocdex.name" $root }}{{ $suffix }}
{{- if or $root.Values.externalSecret.env (and $suffix $root.Values.hooks.externalSecret.env) }}
  - secretRef:
      name: {{ include "pocdex.name" $root }}{{ $suffix }}
{{- end }}
env:
  - name: POD_IP
    valueFrom:
      fieldRef:
        fieldPath: status.podIP
  - name: ALLOWED_HOSTS
    value: {{ include "pocdex.subst" (list $root (join "," (append $root.Values.allowedHosts "$(POD_IP)"))) | quote }}
{{- end -}}

{{/* Liveness of the beat (it serves nothing): PID 1 (celery beat) is neither stopped nor a zombie. */}}
{{- define "pocdex.processProbe" -}}
livenessProbe:
  exec:
    command:
      - python
      - -c
      - "import sys; s = open('/proc/1/stat').read().rsplit(')', 1)[1].split()[0]; sys.exit(s in 'ZTtX')"
  periodSeconds: {{ .Values.workerProbe.periodSeconds }}
  failureThreshold: {{ .Values.workerProbe.failureThreshold }}
  timeoutSeconds: 5
readinessProbe:
  exec:
    command:
      - python
      - -c
      - "import sys; s = open('/proc/1/stat').read().rsplit(')', 1)[1].split()[0]; sys.exit(s in 'ZTtX')"
  periodSeconds: {{ .Values.workerProbe.periodSeconds }}
  timeoutSeconds: 5
{{- end -}}

{{/* Restart pods when their configuration changes. */}}
{{- define "pocdex.configChecksum" -}}
checksum/config: {{ include (print .Template.BasePath "/configmap.yaml") . | sha256sum }}
checksum/secret: {{ include (print .Template.BasePath "/externalsecret.yaml") . | sha256sum }}
{{- end -}}
