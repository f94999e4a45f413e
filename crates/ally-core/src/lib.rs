pub mod screening;
