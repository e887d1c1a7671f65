# Envelope encryption of Gmail refresh tokens: the functions wrap each data key with this key.
resource "google_kms_key_ring" "rapport" {
  project  = var.project_id
  name     = "rapport"
  location = local.region

  depends_on = [google_project_service.enabled]
}

resource "google_kms_crypto_key" "refresh_tokens" {
  name            = "refresh-tokens"
  key_ring        = google_kms_key_ring.rapport.id
  purpose         = "ENCRYPT_DECRYPT"
  rotation_period = var.kms_key_rotation_period
  labels          = local.labels

  version_template {
    algorithm        = "GOOGLE_SYMMETRIC_ENCRYPTION"
    protection_level = "SOFTWARE"
  }

  lifecycle {
    # Destroying the key makes every stored refresh token unreadable: every mailbox would have to reconnect.
    prevent_destroy = true
  }
}
