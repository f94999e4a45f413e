pub mod labour;
