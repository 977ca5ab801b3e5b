import CoreImage.CIFilterBuiltins
import SwiftUI

/// The two-factor setup's otpauth:// address as a QR code for an authenticator app.
/// Drawing only: the address comes from the view model.
struct QRCodeView: View {
    let content: String

    var body: some View {
        if let image = Self.render(content) {
            Image(decorative: image, scale: 1)
                .interpolation(.none)
                .resizable()
                .scaledToFit()
                .padding(12)
                .background(Color.white, in: RoundedRectangle(cornerRadius: 12))
                .accessibilityLabel("QR code for your authenticator app")
        } else {
            Image(systemName: "qrcode")
                .font(.system(size: 120))
                .foregroundStyle(.secondary)
                .accessibilityHidden(true)
        }
    }

    private static func render(_ content: String) -> CGImage? {
        let filter = CIFilter.qrCodeGenerator()
        filter.message = Data(content.utf8)
        filter.correctionLevel = "M"
        guard let output = filter.outputImage else { return nil }
        let scaled = output.transformed(by: CGAffineTransform(scaleX: 8, y: 8))
        return CIContext().createCGImage(scaled, from: scaled.extent)
    }
}
