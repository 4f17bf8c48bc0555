//! OCR (`/cv/ocr/*`): `client.ocr()`. Each endpoint is a request value awaited directly; the
//! answers keep every field the platform sends (`extra`), and the fields the spec lists are
//! optional because the platform leaves out what it could not read.

use std::future::IntoFuture;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{Image, ImageSize, Position, Quad, image_call};
use crate::api::support::string_enum;
use crate::{Client, Result};

/// OCR: `client.ocr()`.
#[derive(Debug, Clone)]
pub struct Ocr {
    client: Client,
}

impl Client {
    /// OCR (api-reference-2 §11).
    ///
    /// ```no_run
    /// use wxoa_client::api::cv::Image;
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let plate = client.ocr().plate_number(Image::url("https://example.com/car.jpg")).await?;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn ocr(&self) -> Ocr {
        Ocr {
            client: self.clone(),
        }
    }
}

string_enum! {
    /// How an identity card was photographed (`type` of `ocr/idcard`).
    pub enum IdCardType {
        /// A photo with a background (the platform's default).
        Photo = "photo",
        /// A scan.
        Scan = "scan",
    }
}

string_enum! {
    /// Which side of an identity card was read.
    pub enum IdCardSide {
        /// The side with the holder's name, number and address.
        Front = "Front",
        /// The side with the validity.
        Back = "Back",
    }
}

/// Defines a simple OCR endpoint: a request value about one image, awaited into `$answer`.
macro_rules! ocr_endpoint {
    ($(#[$meta:meta])* $name:ident, $path:literal => $answer:ty) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        #[must_use = "a request does nothing until it is awaited"]
        pub struct $name {
            client: Client,
            image: Image,
        }

        impl IntoFuture for $name {
            type Output = Result<$answer>;
            type IntoFuture = BoxFuture<'static, Result<$answer>>;

            fn into_future(self) -> Self::IntoFuture {
                image_call(self.client, $path, self.image, Vec::new(), true)
            }
        }
    };
}

ocr_endpoint!(
    /// `POST /cv/ocr/bankcard`, from [`Ocr::bank_card`].
    ReadBankCard, "/cv/ocr/bankcard" => BankCard
);
ocr_endpoint!(
    /// `POST /cv/ocr/driving`, from [`Ocr::vehicle_license`].
    ReadVehicleLicense, "/cv/ocr/driving" => VehicleLicense
);
ocr_endpoint!(
    /// `POST /cv/ocr/drivinglicense`, from [`Ocr::driving_license`].
    ReadDrivingLicense, "/cv/ocr/drivinglicense" => DrivingLicense
);
ocr_endpoint!(
    /// `POST /cv/ocr/bizlicense`, from [`Ocr::business_license`].
    ReadBusinessLicense, "/cv/ocr/bizlicense" => BusinessLicense
);
ocr_endpoint!(
    /// `POST /cv/ocr/comm`, from [`Ocr::text`].
    ReadText, "/cv/ocr/comm" => CommonText
);
ocr_endpoint!(
    /// `POST /cv/ocr/platenum`, from [`Ocr::plate_number`].
    ReadPlateNumber, "/cv/ocr/platenum" => PlateNumber
);

impl Ocr {
    /// `POST /cv/ocr/idcard`: the front (name, number, address …) or back (validity) of a
    /// resident identity card.
    ///
    /// ```no_run
    /// use wxoa_client::api::cv::{IdCardType, Image};
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let card = client
    ///     .ocr()
    ///     .id_card(Image::url("https://example.com/id.jpg"))
    ///     .kind(IdCardType::Scan)
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn id_card(&self, image: Image) -> ReadIdCard {
        ReadIdCard {
            client: self.client.clone(),
            image,
            kind: IdCardType::Photo,
        }
    }

    /// `POST /cv/ocr/bankcard`: a bank card's number.
    pub fn bank_card(&self, image: Image) -> ReadBankCard {
        ReadBankCard {
            client: self.client.clone(),
            image,
        }
    }

    /// `POST /cv/ocr/driving`: a vehicle licence (行驶证).
    pub fn vehicle_license(&self, image: Image) -> ReadVehicleLicense {
        ReadVehicleLicense {
            client: self.client.clone(),
            image,
        }
    }

    /// `POST /cv/ocr/drivinglicense`: a driving licence (驾驶证).
    pub fn driving_license(&self, image: Image) -> ReadDrivingLicense {
        ReadDrivingLicense {
            client: self.client.clone(),
            image,
        }
    }

    /// `POST /cv/ocr/bizlicense`: a business licence (营业执照).
    pub fn business_license(&self, image: Image) -> ReadBusinessLicense {
        ReadBusinessLicense {
            client: self.client.clone(),
            image,
        }
    }

    /// `POST /cv/ocr/comm`: any text, line by line with where each lies.
    pub fn text(&self, image: Image) -> ReadText {
        ReadText {
            client: self.client.clone(),
            image,
        }
    }

    /// `POST /cv/ocr/platenum`: a licence plate's number.
    pub fn plate_number(&self, image: Image) -> ReadPlateNumber {
        ReadPlateNumber {
            client: self.client.clone(),
            image,
        }
    }
}

/// `POST /cv/ocr/idcard`, from [`Ocr::id_card`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct ReadIdCard {
    client: Client,
    image: Image,
    kind: IdCardType,
}

impl ReadIdCard {
    /// How the card was photographed (default [`IdCardType::Photo`]).
    pub fn kind(mut self, kind: IdCardType) -> Self {
        self.kind = kind;
        self
    }
}

impl IntoFuture for ReadIdCard {
    type Output = Result<IdCard>;
    type IntoFuture = BoxFuture<'static, Result<IdCard>>;

    fn into_future(self) -> Self::IntoFuture {
        let params = vec![("type", self.kind.as_str().to_owned())];
        image_call(self.client, "/cv/ocr/idcard", self.image, params, true)
    }
}

/// What `ocr/idcard` read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IdCard {
    /// Which side was read.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub side: Option<IdCardSide>,
    /// The holder's name (front).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The ID number (front).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The address (front).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addr: Option<String>,
    /// 男 or 女 (front).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    /// The ethnic group (front).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nationality: Option<String>,
    /// The validity, `YYYYMMDD-YYYYMMDD` (back).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_date: Option<String>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// What `ocr/bankcard` read. The spec's sources disagree on the field (`number` in the field
/// table, `id` in examples): both are read, and [`BankCard::card_number`] gives either.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BankCard {
    /// The card number (field table).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// The card number (examples).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl BankCard {
    /// The card number, from whichever field carried it.
    #[must_use]
    pub fn card_number(&self) -> Option<&str> {
        self.number.as_deref().or(self.id.as_deref())
    }
}

/// Defines an answer whose fields are all optional texts, plus extra typed fields.
macro_rules! text_answer {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident,)* } $( { $($(#[$xmeta:meta])* $xfield:ident: $xty:ty,)* } )?) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        #[non_exhaustive]
        pub struct $name {
            $(
                $(#[$fmeta])*
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $field: Option<String>,
            )*
            $($(
                $(#[$xmeta])*
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $xfield: Option<$xty>,
            )*)?
            /// Fields this version does not know.
            #[serde(flatten)]
            pub extra: Map<String, Value>,
        }
    };
}

text_answer!(
    /// What `ocr/driving` read of a vehicle licence (行驶证).
    VehicleLicense {
        /// 号牌号码.
        plate_num,
        /// 车辆类型.
        vehicle_type,
        /// 所有人.
        owner,
        /// 住址.
        addr,
        /// 使用性质.
        use_character,
        /// 品牌型号.
        model,
        /// 车辆识别代号.
        vin,
        /// 发动机号码.
        engine_num,
        /// 注册日期.
        register_date,
        /// 发证日期.
        issue_date,
        /// 号牌号码 on the back.
        plate_num_b,
        /// 检验记录.
        record,
        /// 核定载人数.
        passengers_num,
        /// 总质量.
        total_quality,
        /// 整备质量.
        prepare_quality,
        /// 外廓尺寸.
        overall_size,
    } {
        /// Where the front page lies.
        card_position_front: Position,
        /// Where the back page lies.
        card_position_back: Position,
        /// The image's size.
        img_size: ImageSize,
    }
);

text_answer!(
    /// What `ocr/drivinglicense` read of a driving licence (驾驶证).
    DrivingLicense {
        /// 证号.
        id_num,
        /// 姓名.
        name,
        /// 性别.
        sex,
        /// 国籍.
        nationality,
        /// 住址.
        address,
        /// 出生日期.
        birth_date,
        /// 初次领证日期.
        issue_date,
        /// 准驾车型.
        car_class,
        /// 有效期限 from.
        valid_from,
        /// 有效期限 to.
        valid_to,
        /// 印章文字.
        official_seal,
    }
);

text_answer!(
    /// What `ocr/bizlicense` read of a business licence (营业执照); what could not be read is
    /// absent.
    BusinessLicense {
        /// 注册号 (the unified social credit code).
        reg_num,
        /// 编号.
        serial,
        /// 法定代表人.
        legal_representative,
        /// 企业名称.
        enterprise_name,
        /// 组成形式.
        type_of_organization,
        /// 经营场所/企业住所.
        address,
        /// 公司类型.
        type_of_enterprise,
        /// 经营范围.
        business_scope,
        /// 注册资本.
        registered_capital,
        /// 实收资本.
        paid_in_capital,
        /// 营业期限.
        valid_period,
        /// 注册日期/成立日期.
        registered_date,
    } {
        /// Where the licence lies.
        cert_position: Position,
        /// The image's size.
        img_size: ImageSize,
    }
);

text_answer!(
    /// What `ocr/platenum` read.
    PlateNumber {
        /// The plate, e.g. `粤A00000`.
        number,
    }
);

/// What `ocr/comm` read: lines of text.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CommonText {
    /// The lines, top to bottom.
    #[serde(default)]
    pub items: Vec<TextItem>,
    /// The image's size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub img_size: Option<ImageSize>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One line of text and where it lies.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TextItem {
    /// The text.
    #[serde(default)]
    pub text: String,
    /// Its corners.
    #[serde(default)]
    pub pos: Quad,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
