#!/usr/bin/env bash
# Pushes the images that make images built (pocdex-<service>:<tag>) to the stage's ECR
# repositories, which the CDK app creates with immutable tags: the Compute stack's outputs
# <Service>RepositoryUri name them. Needs the AWS CLI and credentials for the account.
#
#   images/push.sh <stage: staging|prod> [tag]     (default tag: the commit's short sha)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

stage="${1:?stage (staging or prod)}"
cd "$POCDEX_ROOT"
tag="${2:-$(git rev-parse --short=12 HEAD)}"
[[ "$tag" != *dirty* && "$tag" != latest ]] || die "refusing to push tag $tag: push a commit's image"
prefix="Pocdex${stage^}"
region="${AWS_REGION:-sa-east-1}"

uri_of() {
  aws cloudformation describe-stacks --region "$region" --stack-name "$prefix-Compute" \
    --query "Stacks[0].Outputs[?OutputKey=='${1^}RepositoryUri'].OutputValue" --output text
}

registry="$(uri_of accounts | cut -d/ -f1)"
[[ -n "$registry" && "$registry" != None ]] || die "no $prefix-Compute outputs in $region"
aws ecr get-login-password --region "$region" | "$DOCKER" login --username AWS --password-stdin "$registry"
for svc in "${SERVICES[@]}"; do
  uri="$(uri_of "$svc")"
  log "pushing pocdex-$svc:$tag to $uri:$tag"
  "$DOCKER" tag "pocdex-$svc:$tag" "$uri:$tag"
  # An immutable repository refuses a second push of a tag: a rebuilt commit is not re-pushed.
  "$DOCKER" push "$uri:$tag"
done
