from django.db import models


class PasswordResetRequest(models.Model):
    """A password reset email let through, counted against the hourly limits
    (core.password_reset). Both columns are keyed hashes: the table says nothing about who
    asked, and nothing about addresses that have no account."""

    created_at = models.DateTimeField(db_index=True)
    account_hash = models.CharField(max_length=64)
    client_hash = models.CharField(max_length=64)

    class Meta:
        indexes = [
            models.Index(fields=["account_hash", "created_at"], name="password_reset_by_account"),
            models.Index(fields=["client_hash", "created_at"], name="password_reset_by_client"),
        ]

    def __str__(self):
        return f"Password reset requested at {self.created_at:%Y-%m-%d %H:%M}"
