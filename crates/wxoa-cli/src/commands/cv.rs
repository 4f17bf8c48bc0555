//! `wxoa ocr …` and `wxoa img …`: OCR and image processing of an image given by URL or file.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use wxoa_client::Upload;
use wxoa_client::api::cv::{IdCardType, Image};

use crate::commands::api::call;
use crate::config::Settings;
use crate::exit::Failure;

/// The image of a call: a URL the platform fetches, or a file uploaded with it.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub(crate) struct ImageArgs {
    /// An image the platform fetches (http or https).
    #[arg(long)]
    pub(crate) url: Option<String>,
    /// An image file to upload (under 2 MB).
    #[arg(long, value_name = "PATH")]
    pub(crate) file: Option<PathBuf>,
}

impl ImageArgs {
    fn image(self) -> Image {
        match (self.url, self.file) {
            (Some(url), _) => Image::url(url),
            (None, Some(path)) => Image::upload(Upload::path(path)),
            // clap requires one of the two.
            (None, None) => Image::url(String::new()),
        }
    }
}

/// `wxoa ocr …`.
#[derive(Debug, Subcommand)]
pub(crate) enum OcrCommand {
    /// A resident identity card: front (name, number, address …) or back (validity).
    Idcard {
        #[command(flatten)]
        image: ImageArgs,
        /// How it was photographed.
        #[arg(long = "type", value_enum, default_value_t = CardPhoto::Photo)]
        kind: CardPhoto,
    },
    /// A bank card's number.
    Bankcard(ImageArgs),
    /// A vehicle licence (行驶证).
    Driving(ImageArgs),
    /// A driving licence (驾驶证).
    Drivinglicense(ImageArgs),
    /// A business licence (营业执照).
    Bizlicense(ImageArgs),
    /// Any text, line by line with where each lies.
    Comm(ImageArgs),
    /// A licence plate's number.
    Platenum(ImageArgs),
}

/// How an identity card was photographed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum CardPhoto {
    /// A photo with a background.
    Photo,
    /// A scan.
    Scan,
}

/// `wxoa img …`.
#[derive(Debug, Subcommand)]
pub(crate) enum ImgCommand {
    /// The QR codes and barcodes in an image, with their text.
    Qrcode(ImageArgs),
    /// The image at twice its resolution, kept as temporary media (prints its media_id;
    /// fetch it with `wxoa media get`).
    Superres(ImageArgs),
    /// Crop suggestions, one per width/height ratio.
    Crop {
        #[command(flatten)]
        image: ImageArgs,
        /// Width/height ratios, comma-separated (at most 5), e.g. 1,0.5.
        #[arg(long, value_delimiter = ',', value_name = "R,R")]
        ratios: Vec<f64>,
    },
}

pub(crate) fn ocr(settings: &Settings, command: OcrCommand) -> Result<(), Failure> {
    match command {
        OcrCommand::Idcard { image, kind } => call(settings, |c| async move {
            let kind = match kind {
                CardPhoto::Photo => IdCardType::Photo,
                CardPhoto::Scan => IdCardType::Scan,
            };
            c.ocr().id_card(image.image()).kind(kind).await
        }),
        OcrCommand::Bankcard(image) => call(settings, |c| async move {
            c.ocr().bank_card(image.image()).await
        }),
        OcrCommand::Driving(image) => call(settings, |c| async move {
            c.ocr().vehicle_license(image.image()).await
        }),
        OcrCommand::Drivinglicense(image) => call(settings, |c| async move {
            c.ocr().driving_license(image.image()).await
        }),
        OcrCommand::Bizlicense(image) => call(settings, |c| async move {
            c.ocr().business_license(image.image()).await
        }),
        OcrCommand::Comm(image) => call(
            settings,
            |c| async move { c.ocr().text(image.image()).await },
        ),
        OcrCommand::Platenum(image) => call(settings, |c| async move {
            c.ocr().plate_number(image.image()).await
        }),
    }
}

pub(crate) fn img(settings: &Settings, command: ImgCommand) -> Result<(), Failure> {
    match command {
        ImgCommand::Qrcode(image) => {
            call(
                settings,
                |c| async move { c.img().qrcode(image.image()).await },
            )
        }
        ImgCommand::Superres(image) => call(settings, |c| async move {
            c.img().superresolution(image.image()).await
        }),
        ImgCommand::Crop { image, ratios } => call(settings, |c| async move {
            c.img().aicrop(image.image()).ratios(ratios).await
        }),
    }
}
