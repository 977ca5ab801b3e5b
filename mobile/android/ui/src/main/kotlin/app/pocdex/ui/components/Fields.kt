package app.pocdex.ui.components

import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.text.KeyboardActions
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Warning
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.error
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.input.ImeAction
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.text.input.PasswordVisualTransformation
import androidx.compose.ui.text.input.VisualTransformation
import app.pocdex.ui.strings.Str
import app.pocdex.ui.strings.text

/**
 * An outlined text field with its label, an optional hint, and the error text under it
 * (the server's field error or the form's own check). The error is also exposed to
 * accessibility services, so TalkBack reads it with the field.
 */
@Composable
fun PocdexTextField(
    value: String,
    onValueChange: (String) -> Unit,
    label: String,
    modifier: Modifier = Modifier,
    error: String? = null,
    hint: String? = null,
    tag: String? = null,
    enabled: Boolean = true,
    singleLine: Boolean = true,
    minLines: Int = 1,
    keyboardType: KeyboardType = KeyboardType.Text,
    imeAction: ImeAction = ImeAction.Next,
    onImeAction: (() -> Unit)? = null,
    password: Boolean = false,
    leadingIcon: (@Composable () -> Unit)? = null,
) {
    var revealed by remember { mutableStateOf(false) }
    OutlinedTextField(
        value = value,
        onValueChange = onValueChange,
        label = { Text(label) },
        modifier =
            modifier
                .fillMaxWidth()
                .then(if (tag != null) Modifier.testTag(tag) else Modifier)
                .semantics { if (error != null) error(error) },
        enabled = enabled,
        singleLine = singleLine,
        minLines = minLines,
        isError = error != null,
        leadingIcon = leadingIcon,
        trailingIcon =
            when {
                password -> {
                    {
                        IconButton(onClick = { revealed = !revealed }, modifier = Modifier.size(MinTouch)) {
                            Icon(
                                if (revealed) EyeOffIcon else EyeIcon,
                                contentDescription = text(if (revealed) Str.A11Y_HIDE_PASSWORD else Str.A11Y_SHOW_PASSWORD),
                            )
                        }
                    }
                }

                error != null -> {
                    { Icon(Icons.Filled.Warning, contentDescription = null) }
                }

                else -> {
                    null
                }
            },
        supportingText =
            when {
                error != null -> {
                    { Text(error, modifier = if (tag != null) Modifier.testTag("$tag.error") else Modifier) }
                }

                hint != null -> {
                    { Text(hint) }
                }

                else -> {
                    null
                }
            },
        visualTransformation = if (password && !revealed) PasswordVisualTransformation() else VisualTransformation.None,
        keyboardOptions =
            KeyboardOptions(
                keyboardType = if (password) KeyboardType.Password else keyboardType,
                imeAction = imeAction,
            ),
        keyboardActions = KeyboardActions(onAny = { onImeAction?.invoke() }),
    )
}
