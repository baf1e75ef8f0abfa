terraform {
  # 1.6 is the first OpenTofu release. The image-immutability rule lives in a
  # precondition (not a cross-variable validation) so it works on every release.
  required_version = ">= 1.6.0"

  required_providers {
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = ">= 2.23.0, < 3.0.0"
    }
  }
}
